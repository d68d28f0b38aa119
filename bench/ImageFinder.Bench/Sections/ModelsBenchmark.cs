using System.Diagnostics;
using System.Globalization;
using ImageFinder.Bench.Support;
using ImageFinder.Inference;
using ImageFinder.Ingestion;
using ImageFinder.Storage;

namespace ImageFinder.Bench.Sections;

/// <summary>
/// Section 6, "Which model?": for each exported torchvision backbone (bench/models/torchvision/ by default, exported
/// with random weights when missing), bare ONNX Runtime images/s at batch 16 with 2 threads, and the database bytes
/// per image after ingesting N generated images into a fresh database with it.
/// </summary>
internal sealed class ModelsBenchmark
{
    private const int Batch = 16;
    private const int Threads = 2;

    /// <summary>Untimed batch runs before timing (ONNX Runtime's arena and thread pool settle in).</summary>
    private const int WarmupRuns = 2;

    private readonly BenchContext context;

    public ModelsBenchmark(BenchContext context) => this.context = context;

    public async Task RunAsync(ResultsSection section)
    {
        var effort = context.Effort;
        var given = context.Options.ModelsFolder;
        var folder = Path.GetFullPath(given ?? context.Paths.TorchvisionModels);
        var exported = given is null ? TorchvisionModels.EnsureExported(context.Paths, folder) : [];
        var models = TorchvisionModels.Find(folder);
        if (models.Count == 0)
        {
            throw new InvalidOperationException($"{folder} holds no model (an .onnx file with its .json card).");
        }

        // Speeds are also given as ratios to one model's speed in the same repeat: those hold when the machine drifts.
        var reference = models.Any(m => m.Arch == "resnet50") ? "resnet50" : models[0].Arch;
        var referencePath = models.First(m => m.Arch == reference).Path;
        var emptyBytes = -1L;
        var table = new MarkdownTable(
            "model", "dimension", "GFLOPs per image (torchvision's published figure)", "ONNX MB", "crop",
            "bare ONNX Runtime images/s (median; each repeat)", $"speed vs {reference} (median of the repeats' ratios)", "images ingested (N)", "ingest images/s",
            "DB bytes/image (file ÷ N)", "of which beyond an empty database", "raw vector (4 × D)");
        // Every model's session is loaded at once and the repeats go round the models, so the machine's drift (its
        // speed moves within minutes) touches every model alike.
        var rates = models.ToDictionary(m => m.Path, _ => new List<double>());
        var cards = new Dictionary<string, ModelCard>();
        var sessions = new List<(string Path, OnnxSession Session, OrtTimer Timer)>();
        try
        {
            foreach (var (path, arch) in models)
            {
                BenchLog.Info($"models: {arch}: loading, {WarmupRuns} untimed runs of batch {Batch} on {Threads} threads");
                var session = OnnxSession.Load(path, Threads);
                ModelCard card;
                try
                {
                    card = ModelCard.Load(path, session);
                }
                catch
                {
                    session.Dispose();
                    throw;
                }

                cards[path] = card;
                var timer = new OrtTimer(session, card, Batch);
                sessions.Add((path, session, timer));
                for (var i = 0; i < WarmupRuns; i++)
                {
                    timer.Run(Batch);
                }
            }

            for (var repeat = 1; repeat <= effort.Repeats; repeat++)
            {
                foreach (var (path, _, timer) in sessions)
                {
                    var rate = timer.ThroughputFor(Batch, effort.BareSecondsPerRepeat);
                    rates[path].Add(rate);
                    BenchLog.Info($"models: repeat {repeat}: {Path.GetFileNameWithoutExtension(path)} {rate:F2} images/s");
                }
            }
        }
        finally
        {
            foreach (var (_, session, _) in sessions)
            {
                session.Dispose();
            }
        }

        foreach (var (path, arch) in models)
        {
            var card = cards[path];
            var rate = Distribution.Of(rates[path]).P50;
            var count = IngestCount(rate);
            BenchLog.Info($"models: {arch}: {rate:F2} images/s; ingesting {count} images");
            var files = FolderScanner.Scan(context.Images.Folder(TestImageFactory.Small, count));
            var database = Path.Combine(context.Paths.Work, "models-ingest.db");
            using var embedder = OnnxImageEmbedder.Load(new EmbedderOptions { ModelPath = path, IntraOpThreads = Threads, MaxBatchSize = Batch });
            var collection = new CollectionInfo(embedder.Model.Name, embedder.Model.Dimension);
            if (emptyBytes < 0)
            {
                WorkFiles.DeleteDatabase(database);
                using (VectorStore.Open(database, collection))
                {
                }

                emptyBytes = DatabaseBytes(database);
            }

            var (ingestRate, bytes) = await IngestAsync(embedder, collection, files, database);
            BenchLog.Info($"models: {arch}: ingest {ingestRate:F2} images/s, {bytes} bytes for {files.Count} images");
            table.Row(
                arch,
                card.Dimension.ToString(CultureInfo.InvariantCulture),
                TorchvisionModels.PublishedGflops.TryGetValue(arch, out var gflops) ? gflops.ToString("F2", CultureInfo.InvariantCulture) : "n/a",
                (new FileInfo(path).Length / 1e6).ToString("F1", CultureInfo.InvariantCulture),
                $"{card.ResizeShorterSide}/{card.CropSize} {card.Interpolation}",
                $"{Format.Rate(rate)} ({string.Join(", ", rates[path].Select(Format.Rate))})",
                $"{Format.Ratio(Distribution.Of(rates[path].Zip(rates[referencePath], (r, baseline) => r / baseline)).P50)}×",
                files.Count.ToString(CultureInfo.InvariantCulture),
                Format.Rate(ingestRate),
                Format.Count(bytes / files.Count),
                Format.Count((bytes - emptyBytes) / files.Count),
                Format.Count(4L * card.Dimension));
        }

        section.Paragraph(
            $"Every model in `{Relative(folder)}` (an .onnx with its card). " +
            (given is null
                ? "They are exported by `models/export_torchvision.py --weights none`: torchvision's graphs with **random weights** " +
                  "(no download here), so the speed and size figures are the real models', the vectors mean nothing. "
                : string.Empty) +
            $"Bare ONNX Runtime: `OnnxSession.Run` on ready-made random tensors at the card's crop size, batch {Batch}, {Threads} intra-op " +
            $"threads, {WarmupRuns} untimed runs, then {effort.Repeats} measurement(s) of at least {effort.BareSecondsPerRepeat:F0} s, the repeats " +
            "going round the models (all loaded at once) so that the machine's drift touches each alike. " +
            $"Database size: `IngestJob` ({Threads} threads, batch {Batch}) of N 640x480 JPEGs (the {TestImageFactory.DistinctImages} test scenes " +
            "repeated under different names) into a fresh SQLite + sqlite-vec database (L2), then the file's size (with any WAL) ÷ N; " +
            $"N is about 20 s of bare inference, from 48 to 200. An empty database is {Format.Count(emptyBytes)} bytes (16 KiB pages). " +
            "The ingest rate includes decoding and preprocessing at each card's size and filter. GFLOPs are torchvision's published " +
            "figures for each model at its own crop size (its weight tables), not measured here.");
        if (exported.Count > 0)
        {
            section.Paragraph("Exported in this run (torch CPU, with the ONNX Runtime check through `model-check`): " +
                string.Join(", ", exported.Select(e => $"{e.Key} {Format.Seconds(e.Value)} s")) + ".");
        }

        section.Table(table);
    }

    /// <summary>About 20 s of inference at the measured rate (5 s with --quick), whole batches, 48 to 200 images (32 to 64).</summary>
    private int IngestCount(double rate)
    {
        var (seconds, min, max) = context.Options.Quick ? (5.0, 32, 64) : (20.0, 48, 200);
        var images = (int)Math.Ceiling(rate * seconds / Batch) * Batch;
        return Math.Clamp(images, min, max);
    }

    private static async Task<(double Rate, long Bytes)> IngestAsync(OnnxImageEmbedder embedder, CollectionInfo collection, IReadOnlyList<ImageFile> files, string database)
    {
        WorkFiles.DeleteDatabase(database);
        Stopwatch stopwatch;
        using (var store = VectorStore.Open(database, collection))
        {
            var job = new IngestJob(embedder, store);
            stopwatch = Stopwatch.StartNew();
            var summary = await job.RunAsync(files);
            stopwatch.Stop();
            if (summary.Failed > 0 || summary.Added != files.Count)
            {
                var reason = summary.Failures.Count > 0 ? $"{summary.Failures[0].Path}: {summary.Failures[0].Reason}" : "unknown";
                throw new InvalidOperationException($"Ingest added {summary.Added} of {files.Count} images, {summary.Failed} failed (first: {reason}).");
            }
        }

        var bytes = DatabaseBytes(database);
        WorkFiles.DeleteDatabase(database);
        return (files.Count / stopwatch.Elapsed.TotalSeconds, bytes);
    }

    private static long DatabaseBytes(string database) =>
        new[] { database, database + "-wal" }.Where(File.Exists).Sum(file => new FileInfo(file).Length);

    private string Relative(string folder) => Path.GetRelativePath(context.Paths.Repository, folder);
}
