using System.Diagnostics;
using ImageFinder.Bench.Support;

namespace ImageFinder.Bench.Sections;

/// <summary>
/// Section 10: <c>POST /search/batch</c> against single <c>POST /search</c> requests, side by side in one run. The real
/// API host (a child process, Kestrel on a loopback port) serves the smallest N of the run; one round sends the same 32
/// 640x480 JPEGs as one batch request, as 32 single requests one after another, and as 32 single requests at once,
/// in turn, so drift of the shared machine moves all three alike. Throughput is images over each one's wall time.
/// </summary>
internal sealed class BatchBenchmark
{
    public const int Images = 32;
    public const int K = 10;

    private readonly BenchContext context;

    public BatchBenchmark(BenchContext context) => this.context = context;

    public async Task RunAsync(ResultsSection section)
    {
        var rounds = context.Options.Quick ? 2 : 7;
        var sources = context.Images.Sources(TestImageFactory.Small);
        var images = Enumerable.Range(0, Images).Select(i => sources[i % sources.Count]).ToArray();
        var n = context.Options.VectorCounts[0];
        var fill = await SyntheticCollection.EnsureAsync(context.Paths.Work, context.Collection, new SyntheticVectors(), n);

        BenchLog.Info($"batch: N = {n:N0}: starting the API");
        await using var server = await ApiServer.StartAsync(context, fill.Database, n);
        using var batch = new BatchSearchClient(server.Address, K);
        var singles = sources.Select(source => new SearchClient(server.Address, source, K)).ToArray();
        try
        {
            // Untimed: one of each.
            await batch.SearchAsync(images);
            await SequentialAsync(singles);
            await ConcurrentAsync(singles);

            var batchSeconds = new List<double>();
            var sequentialSeconds = new List<double>();
            var concurrentSeconds = new List<double>();
            var batchInference = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                var stopwatch = Stopwatch.StartNew();
                var items = await batch.SearchAsync(images);
                batchSeconds.Add(stopwatch.Elapsed.TotalSeconds);
                batchInference.Add(items.Max(item => item.Timings!.InferenceMs));

                stopwatch.Restart();
                await SequentialAsync(singles);
                sequentialSeconds.Add(stopwatch.Elapsed.TotalSeconds);

                stopwatch.Restart();
                await ConcurrentAsync(singles);
                concurrentSeconds.Add(stopwatch.Elapsed.TotalSeconds);
                BenchLog.Info($"batch: round {round + 1}/{rounds}: batch {batchSeconds[^1]:F2} s, sequential {sequentialSeconds[^1]:F2} s, concurrent {concurrentSeconds[^1]:F2} s");
            }

            var table = new MarkdownTable("32 images as", "requests", "rounds", "seconds p50", "seconds min", "seconds max", "images/s (p50)", "÷ 32 sequential singles");
            var sequential = Distribution.Of(sequentialSeconds);
            foreach (var (name, requests, seconds) in new[]
            {
                ("one `POST /search/batch`", "1", batchSeconds),
                ("32 `POST /search`, one after another", "32", sequentialSeconds),
                ("32 `POST /search` at once (32 clients)", "32", concurrentSeconds),
            })
            {
                var distribution = Distribution.Of(seconds);
                table.Row(
                    name,
                    requests,
                    distribution.Count.ToString(),
                    Format.Seconds(distribution.P50),
                    Format.Seconds(distribution.Min),
                    Format.Seconds(distribution.Max),
                    Format.Rate(Images / distribution.P50),
                    Format.Ratio(sequential.P50 / distribution.P50) + "×");
            }

            section.Paragraph(
                $"The same {Images} 640x480 JPEGs ({sources.Count} distinct test scenes, {Format.KiB(images.Average(image => (double)image.Length))} KiB on average), " +
                $"k = {K}, to the API's own build (`dotnet ImageFinder.Api.dll`, Production, Kestrel on 127.0.0.1) serving N = {Format.Count(n)} " +
                $"synthetic 2048-d vectors with the benchmark model: {context.Threads} intra-op threads, MaxBatchSize {context.BatchSize}. " +
                $"Each round sends them as one `POST /search/batch?k={K}` (one multipart body, 32 parts 'file'), then as 32 `POST /search?k={K}` " +
                "one after another (one client), then as 32 `POST /search` at once (32 concurrent requests over the 8 distinct images' HttpClients); " +
                $"one untimed round first, then {rounds} timed. Seconds are the client's wall time from the first request sent to the last answer read; " +
                "images/s is 32 over the median. The client runs on the same cores as the server.");
            section.Table(table);
            var inference = Distribution.Of(batchInference);
            section.Paragraph(
                "How the three differ: the batch's images are decoded (two at a time, one decode slot per core), then join the inference queue together " +
                $"(`InferenceQueue.TryEnqueueAll`), so 32 images are {(Images + context.BatchSize - 1) / context.BatchSize} runs of {context.BatchSize}; " +
                "32 requests one after another are 32 runs of 1, and 32 requests at once are batched as they arrive (the first often alone). " +
                "The tests count the runs (`BatchSearchApiTests.The_images_of_a_batch_share_inference_runs`). " +
                $"In the batch requests, the last image had its vector {Format.Ms(inference.P50)} ms (median; min {Format.Ms(inference.Min)}, max {Format.Ms(inference.Max)}) " +
                "after the batch joined the queue (the items' `timings.inferenceMs`).");
        }
        finally
        {
            foreach (var client in singles)
            {
                client.Dispose();
            }
        }
    }

    /// <summary>The 32 images as single requests, one after another.</summary>
    private static async Task SequentialAsync(SearchClient[] clients)
    {
        for (var i = 0; i < Images; i++)
        {
            await clients[i % clients.Length].SearchAsync();
        }
    }

    /// <summary>The 32 images as single requests, all sent at once.</summary>
    private static Task ConcurrentAsync(SearchClient[] clients) =>
        Task.WhenAll(Enumerable.Range(0, Images).Select(i => clients[i % clients.Length].SearchAsync()));
}
