using System.Globalization;
using ImageFinder.Bench.Support;

namespace ImageFinder.Bench.Sections;

/// <summary>
/// Section 5: peak resident memory (VmHWM) of the two processes users run: the CLI ingest over the
/// 640x480 folder, and the API serving the largest collection (recorded by the http section, or measured
/// here with a few searches when that section did not run).
/// </summary>
internal sealed class MemoryProbe
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    private readonly BenchContext context;

    public MemoryProbe(BenchContext context) => this.context = context;

    public async Task RunAsync(ResultsSection section)
    {
        var table = new MarkdownTable("process", "workload", "peak RSS MiB (VmHWM)");

        var images = context.Effort.MemoryIngestImages;
        var folder = context.Images.Folder(TestImageFactory.Small, images);
        var database = Path.Combine(context.Paths.Work, "memory-ingest.db");
        WorkFiles.DeleteDatabase(database);
        BenchLog.Info($"memory: CLI ingest of {images} 640x480 JPEGs");
        using (var cli = ChildProcess.Start(
            BenchPaths.DotnetHost,
            [
                context.Paths.CliDll, "ingest", "--folder", folder, "--db", database, "--model", context.Model.Path,
                "--threads", context.Threads.ToString(CultureInfo.InvariantCulture), "--batch-size", context.BatchSize.ToString(CultureInfo.InvariantCulture),
            ],
            context.Paths.Repository))
        {
            var peak = await cli.WaitForExitTrackingPeakAsync(PollInterval);
            if (cli.ExitCode != 0 || !cli.OutputTail.Contains($"done: {images} added", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The CLI ingest failed (exit code {cli.ExitCode}):{Environment.NewLine}{cli.OutputTail}");
            }

            BenchLog.Info($"memory: CLI ingest peak {Format.MiB(peak)} MiB");
            table.Row("CLI `ingest`", $"{images} JPEGs 640x480 into a fresh database, batch {context.BatchSize}, {context.Threads} threads", Format.MiB(peak));
        }

        var n = context.Options.VectorCounts[^1];
        if (!context.ApiPeakResidentBytes.TryGetValue(n, out var apiPeak))
        {
            apiPeak = await MeasureApiAsync(n);
            table.Row("API", $"{Format.Count(n)} vectors, 20 sequential searches (the http section did not run)", Format.MiB(apiPeak));
        }
        else
        {
            table.Row("API", $"{Format.Count(n)} vectors, after the http section's 1- and {HttpBenchmark.ConcurrentClients}-client runs", Format.MiB(apiPeak));
        }

        section.Paragraph(
            "VmHWM from /proc/&lt;pid&gt;/status. The CLI's is polled every 20 ms until it exits (VmHWM only grows; the last " +
            "reading is within 20 ms of the end). The API's is read while it still runs, after its load.");
        section.Table(table);
    }

    private async Task<long> MeasureApiAsync(int n)
    {
        var fill = await SyntheticCollection.EnsureAsync(context.Paths.Work, context.Collection, new SyntheticVectors(), n);
        BenchLog.Info($"memory: API with {n:N0} vectors");
        await using var server = await ApiServer.StartAsync(context, fill.Database, n);
        using var client = new SearchClient(server.Address, context.Images.Sources(TestImageFactory.Small)[0], HttpBenchmark.K);
        for (var i = 0; i < 20; i++)
        {
            await client.SearchAsync();
        }

        return server.PeakResidentBytes();
    }
}
