using System.Diagnostics;
using System.Globalization;
using ImageFinder.Bench.Support;
using ImageFinder.Imaging;
using ImageFinder.Inference;
using ImageFinder.Ingestion;
using ImageFinder.Storage;

namespace ImageFinder.Bench.Sections;

/// <summary>
/// Section 1: embedding throughput. (a) bare ONNX Runtime on ready-made tensors, batch B; (b) the whole
/// ingest path (<see cref="IngestJob"/>: read, hash, decode, preprocess, infer, write to a fresh SQLite
/// database) over a folder of JPEGs, same batch size and threads; (b)/(a) per image size. Every ingest run is
/// bracketed by bare runs, repeat after repeat, so drifting machine load hits both. Also batch-1 latency.
/// </summary>
internal sealed class EmbedBenchmark
{
    /// <summary>The ingest path must keep this share of bare inference throughput.</summary>
    private static readonly (ImageSize Size, double Target)[] Targets =
    [
        (TestImageFactory.Small, 0.95),
        (TestImageFactory.Large, 0.65),
    ];

    /// <summary>Images of the whole-job run (c): the CLI as a user starts it, process start and model load included.</summary>
    private const int WholeJobImages = 400;

    /// <summary>Target of (c): a whole job over the bare rate.</summary>
    private const double WholeJobTarget = 0.88;

    /// <summary>Untimed batch runs before the first estimate (ONNX Runtime's arena and thread pool settle in).</summary>
    private const int WarmupRuns = 5;

    /// <summary>The rate estimate that sizes the measurements runs this long: a few runs would be too noisy.</summary>
    private const double EstimateSeconds = 2;

    private readonly BenchContext context;

    public EmbedBenchmark(BenchContext context) => this.context = context;

    public async Task RunAsync(ResultsSection section)
    {
        var effort = context.Effort;
        var batch = context.BatchSize;
        var threads = context.Threads;

        BenchLog.Info("embed: loading the model (bare session)");
        using var session = OnnxSession.Load(context.Model.Path, threads);
        var ort = new OrtTimer(session, context.Model.Card, batch);
        for (var i = 0; i < WarmupRuns; i++)
        {
            ort.Run(batch);
        }

        var estimate = ort.ThroughputFor(batch, EstimateSeconds);
        var runsPerRepeat = Math.Max(2, (int)Math.Ceiling(effort.BareSecondsPerRepeat * estimate / batch));
        BenchLog.Info($"embed: bare estimate {estimate:F1} images/s; {runsPerRepeat} runs of batch {batch} per repeat");

        var batchOne = ort.BatchOneLatency(effort.Batch1Runs);
        BenchLog.Info($"embed: batch-1 latency p50 {batchOne.P50:F1} ms");

        BenchLog.Info("embed: loading the model (ingest embedder)");
        using var embedder = OnnxImageEmbedder.Load(new EmbedderOptions
        {
            ModelPath = context.Model.Path,
            IntraOpThreads = threads,
            MaxBatchSize = batch,
        });
        var folders = new Dictionary<ImageSize, (string Folder, int Count)>();
        foreach (var (size, target) in Targets)
        {
            // Enough images for the configured seconds at the expected rate, whole batches.
            var count = RoundUp(effort.IngestSeconds * estimate * Math.Max(target, 0.5), batch);
            folders[size] = (context.Images.Folder(size, count), count);
        }

        BenchLog.Info("embed: warming up the ingest path");
        var warmupFiles = FolderScanner.Scan(folders[TestImageFactory.Small].Folder).Take(2 * batch).ToList();
        await IngestAsync(embedder, warmupFiles, Path.Combine(context.Paths.Work, "embed-warmup.db"));

        // Each ingest run is compared with the bare figures measured just before and just after it, so the
        // machine's drift (its speed moves within seconds) touches both sides of every ratio alike.
        var bare = new List<double>();
        var ingest = Targets.ToDictionary(t => t.Size, _ => new List<double>());
        var ingestSeconds = Targets.ToDictionary(t => t.Size, _ => new List<double>());
        var around = Targets.ToDictionary(t => t.Size, _ => new List<double>());
        var ratios = Targets.ToDictionary(t => t.Size, _ => new List<double>());
        var wholeFolder = context.Images.Folder(TestImageFactory.Small, WholeJobImages, "whole-job");
        var wholeRates = new List<double>();
        var wholeSeconds = new List<double>();
        var wholeRatios = new List<double>();
        for (var repeat = 1; repeat <= effort.Repeats; repeat++)
        {
            var before = ort.Throughput(batch, runsPerRepeat);
            bare.Add(before);
            BenchLog.Info($"embed: repeat {repeat}: bare {before:F2} images/s");
            foreach (var (size, _) in Targets)
            {
                var files = FolderScanner.Scan(folders[size].Folder);
                var (rate, elapsed) = await IngestAsync(embedder, files, Path.Combine(context.Paths.Work, "embed-ingest.db"));
                var after = ort.Throughput(batch, runsPerRepeat);
                bare.Add(after);
                var reference = (before + after) / 2;
                ingest[size].Add(rate);
                ingestSeconds[size].Add(elapsed.TotalSeconds);
                around[size].Add(reference);
                ratios[size].Add(rate / reference);
                BenchLog.Info($"embed: repeat {repeat}: ingest {Format.Size(size.Width, size.Height)} {rate:F2} images/s ({files.Count} images, {elapsed.TotalSeconds:F1} s), then bare {after:F2} images/s: ratio {rate / reference:F2}");
                before = after;
            }

            var (wholeRate, wholeElapsed) = await WholeJobAsync(wholeFolder);
            var afterWhole = ort.Throughput(batch, runsPerRepeat);
            bare.Add(afterWhole);
            wholeRates.Add(wholeRate);
            wholeSeconds.Add(wholeElapsed.TotalSeconds);
            wholeRatios.Add(wholeRate / ((before + afterWhole) / 2));
            BenchLog.Info($"embed: repeat {repeat}: CLI ingest of {WholeJobImages} images {wholeRate:F2} images/s ({wholeElapsed.TotalSeconds:F1} s, process included), then bare {afterWhole:F2}: ratio {wholeRatios[^1]:F2}");
        }

        section.Paragraph(
            $"Model: `{context.Model.Card.Name}` (ResNet-50 graph, 4.1 GMAC per image). Batch size B = {batch}, " +
            $"{threads} ONNX Runtime intra-op threads (one per core), {threads} ingest decode workers. {effort.Repeats} repeat(s) of: " +
            "(a), then for each size (b) followed by (a) again. Each ingest run's ratio is to the mean of the two (a) figures just " +
            "before and after it, so the ratios compare figures taken side by side; the tables give medians over the repeats.");

        section.Paragraph("**(a) Bare ONNX Runtime**: `OnnxSession.Run` on ready-made random tensors, after warm-up.");
        section.Table(new MarkdownTable("measure", "batch", "runs per measurement", "images/s (median of all)", "min", "max")
            .Row("bare ONNX Runtime throughput", batch.ToString(), runsPerRepeat.ToString(), Format.Rate(Distribution.Of(bare).P50), Format.Rate(bare.Min()), Format.Rate(bare.Max())));
        section.Table(new MarkdownTable("measure", "batch", "runs", "ms/image p50", "p90", "mean")
            .Row("bare ONNX Runtime latency", "1", batchOne.Count.ToString(), Format.Ms(batchOne.P50), Format.Ms(batchOne.P90), Format.Ms(batchOne.Mean)));

        section.Paragraph(
            "**(b) Full ingest path**: `IngestJob` over a folder of JPEGs (quality 90; the distinct test images repeated under " +
            "different names) into a fresh SQLite + sqlite-vec database: read, SHA-256, decode, preprocess, infer, write. " +
            "Timed from the start of `RunAsync` to its end (every vector committed), with the model loaded and warm: the steady state.");
        var table = new MarkdownTable("image size", "images", "mean JPEG KiB", "ingest images/s (median)", "job seconds", "bare images/s around it (median)", "ratio (b)/(a) (median; each repeat)", "target", "result");
        foreach (var (size, target) in Targets)
        {
            var rate = Distribution.Of(ingest[size]).P50;
            var ratio = Distribution.Of(ratios[size]).P50;
            table.Row(
                Format.Size(size.Width, size.Height),
                folders[size].Count.ToString(),
                Format.KiB(context.Images.MeanBytes(size)),
                Format.Rate(rate),
                Format.Seconds(Distribution.Of(ingestSeconds[size]).P50),
                Format.Rate(Distribution.Of(around[size]).P50),
                $"{Format.Ratio(ratio)} ({string.Join(", ", ratios[size].Select(Format.Ratio))})",
                $"≥ {Format.Ratio(target)}",
                Format.Verdict(ratio >= target));
        }

        section.Table(table);

        section.Paragraph(
            $"**(c) A whole job**: the CLI as a user runs it, `ImageFinder.Cli ingest --folder F --db D --batch-size {batch} --threads {threads}` " +
            $"over {WholeJobImages} 640x480 JPEGs into a fresh database, timed from starting the process to its exit (the .NET host, " +
            "loading the model, scanning, every vector committed), after each repeat's (b) runs and compared with the bare figures just before and after it.");
        var wholeRatio = Distribution.Of(wholeRatios).P50;
        section.Table(new MarkdownTable("images", "job seconds (median)", "images/s (median)", "ratio to bare (median; each repeat)", "target", "result")
            .Row(
                WholeJobImages.ToString(CultureInfo.InvariantCulture),
                Format.Seconds(Distribution.Of(wholeSeconds).P50),
                Format.Rate(Distribution.Of(wholeRates).P50),
                $"{Format.Ratio(wholeRatio)} ({string.Join(", ", wholeRatios.Select(Format.Ratio))})",
                $"≥ {Format.Ratio(WholeJobTarget)}",
                Format.Verdict(wholeRatio >= WholeJobTarget)));
    }

    /// <summary>The CLI's ingest as a process: images/s over the process's whole life.</summary>
    private async Task<(double Rate, TimeSpan Elapsed)> WholeJobAsync(string folder)
    {
        var database = Path.Combine(context.Paths.Work, "embed-whole.db");
        WorkFiles.DeleteDatabase(database);
        var stopwatch = Stopwatch.StartNew();
        using var cli = ChildProcess.Start(
            BenchPaths.DotnetHost,
            [
                context.Paths.CliDll, "ingest", "--folder", folder, "--db", database, "--model", context.Model.Path,
                "--threads", context.Threads.ToString(CultureInfo.InvariantCulture), "--batch-size", context.BatchSize.ToString(CultureInfo.InvariantCulture),
            ],
            context.Paths.Repository);
        await cli.WaitForExitAsync();
        stopwatch.Stop();
        if (cli.ExitCode != 0 || !cli.OutputTail.Contains($"done: {WholeJobImages} added", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The CLI ingest failed (exit code {cli.ExitCode}):{Environment.NewLine}{cli.OutputTail}");
        }

        return (WholeJobImages / stopwatch.Elapsed.TotalSeconds, stopwatch.Elapsed);
    }

    private static int RoundUp(double value, int multiple) => Math.Max(2 * multiple, (int)Math.Ceiling(value / multiple) * multiple);

    private static async Task<(double Rate, TimeSpan Elapsed)> IngestAsync(OnnxImageEmbedder embedder, IReadOnlyList<ImageFile> files, string database)
    {
        WorkFiles.DeleteDatabase(database);
        using var store = VectorStore.Open(database, new CollectionInfo(embedder.Model.Name, embedder.Model.Dimension));
        var job = new IngestJob(embedder, store);
        var stopwatch = Stopwatch.StartNew();
        var summary = await job.RunAsync(files);
        stopwatch.Stop();
        if (summary.Failed > 0 || summary.Added != files.Count)
        {
            var reason = summary.Failures.Count > 0 ? $"{summary.Failures[0].Path}: {summary.Failures[0].Reason}" : "unknown";
            throw new InvalidOperationException($"Ingest added {summary.Added} of {files.Count} images, {summary.Failed} failed (first: {reason}).");
        }

        return (files.Count / stopwatch.Elapsed.TotalSeconds, stopwatch.Elapsed);
    }
}
