using System.Collections.Concurrent;
using System.Diagnostics;
using ImageFinder.Bench.Support;
using ImageFinder.Imaging;
using ImageFinder.Index;
using ImageFinder.Inference;
using ImageFinder.Storage;

namespace ImageFinder.Bench.Sections;

/// <summary>
/// Section 3: query latency through HTTP. The real API host (a child process, Kestrel on a loopback port)
/// serves a collection of N synthetic vectors; clients POST a 640x480 JPEG to /search (k = 10). One client
/// gives p50/p99 latency; 8 concurrent clients give the throughput under load. In the same run, in this
/// process, decode + preprocess alone, bare batch-1 inference and <see cref="KnnSearch.SearchAsync(float[], int, CancellationToken)"/> alone give the
/// bound the HTTP p50 is held to: decode + inference + KNN + 3 ms of everything else (upload, HTTP, JSON). Then
/// one client asks <c>GET /images/{id}/similar?k=10</c>: KNN through HTTP without inference.
/// </summary>
internal sealed class HttpBenchmark
{
    public const int K = 10;
    public const int ConcurrentClients = 8;

    private const double ThroughputTarget = 1.3;
    private const double OverheadBudgetMs = 3;
    private const double SimilarTargetMs = 5;
    private const int SimilarTargetCount = 10_000;

    private readonly BenchContext context;

    public HttpBenchmark(BenchContext context) => this.context = context;

    public async Task RunAsync(ResultsSection section)
    {
        var effort = context.Effort;
        var query = context.Images.Sources(TestImageFactory.Small)[0];
        var vectors = new SyntheticVectors();
        using var session = OnnxSession.Load(context.Model.Path, context.Threads);
        var ort = new OrtTimer(session, context.Model.Card, 1);
        var preprocessor = new ImagePreprocessor(context.Model.Card.Preprocessing, maxPixels: 100_000_000);
        var tensor = new float[context.Model.Card.Preprocessing.TensorLength];
        for (var i = 0; i < 5; i++)
        {
            ort.Run(1);
        }

        // The query image's vector, as the API computes it: the KNN-alone reference searches with it.
        preprocessor.Prepare(query, tensor);
        var card = context.Model.Card;
        var embedding = session.Run(card.Input!, tensor, [1, 3, card.CropSize, card.CropSize], card.Output!, (output, _) => output.ToArray());

        var loads = new MarkdownTable("N", "clients", "requests", "seconds", "requests/s", "p50 ms", "p90 ms", "p99 ms");
        var checks = new MarkdownTable("N", "throughput 8 clients / 1 client", "target", "result", "1-client p50 ms", $"bound: decode p50 + inference p50 + KNN p50 + {OverheadBudgetMs} ms", "result");
        var similar = new MarkdownTable("N", "requests", "p50 ms", "p90 ms", "p99 ms", "target", "result");
        var references = new MarkdownTable(
            "N", "decode + preprocess p50 ms", "bare ORT batch-1 p50 ms", "KNN alone p50 ms (KnnSearch, k = 10)", "KNN alone p99 ms",
            "API peak RSS MiB", "of which file-backed after the runs MiB", "collection written in");
        var split = new MarkdownTable(
            "N", "1-client latency p50 ms", "server decode p50 ms", "server inference p50 ms (queue included)", "server KNN p50 ms", "outside the engine p50 ms (latency − decode − inference − KNN)", "outside p90 ms");
        foreach (var n in context.Options.VectorCounts)
        {
            var fill = await SyntheticCollection.EnsureAsync(context.Paths.Work, context.Collection, vectors, n);

            BenchLog.Info($"http: N = {n:N0}: starting the API");
            var (single, concurrent, inference, knn, decode, similarRun, peakRss, fileRss) = await MeasureAsync(fill.Database, n, query, embedding, ort, () => Decode(preprocessor, query, tensor));
            var similarTarget = n <= SimilarTargetCount ? $"≤ {SimilarTargetMs} ms" : "—";
            similar.Row(
                Format.Count(n),
                similarRun.Latency.Count.ToString(),
                Format.Ms(similarRun.Latency.P50),
                Format.Ms(similarRun.Latency.P90),
                Format.Ms(similarRun.Latency.P99),
                similarTarget,
                n <= SimilarTargetCount ? Format.Verdict(similarRun.Latency.P50 <= SimilarTargetMs) : "—");
            context.ApiPeakResidentBytes[n] = peakRss;
            split.Row(
                Format.Count(n),
                Format.Ms(single.Latency.P50),
                Format.Ms(single.Decode.P50),
                Format.Ms(single.Inference.P50),
                Format.Ms(single.Knn.P50),
                Format.Ms(single.Outside.P50),
                Format.Ms(single.Outside.P90));
            foreach (var load in new[] { single, concurrent })
            {
                loads.Row(
                    Format.Count(n),
                    load.Clients.ToString(),
                    load.Latency.Count.ToString(),
                    Format.Seconds(load.Elapsed),
                    Format.Rate(load.Throughput),
                    Format.Ms(load.Latency.P50),
                    Format.Ms(load.Latency.P90),
                    Format.Ms(load.Latency.P99));
            }

            var ratio = concurrent.Throughput / single.Throughput;
            var bound = decode.P50 + inference.P50 + knn.P50 + OverheadBudgetMs;
            checks.Row(
                Format.Count(n),
                Format.Ratio(ratio),
                $"≥ {Format.Ratio(ThroughputTarget)}",
                Format.Verdict(ratio >= ThroughputTarget),
                Format.Ms(single.Latency.P50),
                $"{Format.Ms(bound)} = {Format.Ms(decode.P50)} + {Format.Ms(inference.P50)} + {Format.Ms(knn.P50)} + {OverheadBudgetMs}",
                Format.Verdict(single.Latency.P50 <= bound));
            references.Row(
                Format.Count(n),
                Format.Ms(decode.P50),
                Format.Ms(inference.P50),
                Format.Ms(knn.P50),
                Format.Ms(knn.P99),
                Format.MiB(peakRss),
                Format.MiB(fileRss),
                fill.Reused ? "reused from an earlier run" : $"{Format.Seconds(fill.Elapsed)} s ({Format.Rate(n / fill.Elapsed.TotalSeconds)} vectors/s)");
        }

        section.Paragraph(
            $"`POST /search?k={K}` with a {Format.KiB(query.Length)} KiB 640x480 JPEG, multipart/form-data, to the API's own build " +
            $"(`dotnet ImageFinder.Api.dll`, Production, Kestrel on 127.0.0.1) serving N synthetic 2048-d vectors (section 4 describes " +
            $"them) with the benchmark model: {context.Threads} intra-op threads, MaxBatchSize {context.BatchSize}. Latency is measured " +
            $"by the client from sending the request to reading the whole JSON answer. {effort.HttpWarmupRequests} untimed requests first. " +
            $"One client: at least {effort.HttpSingleClientRequests} requests and {effort.HttpSingleClientSeconds} s of requests (its requests/s is requests over the sum of their latencies); " +
            $"{ConcurrentClients} clients: {effort.HttpConcurrentSeconds} s, each sending its next request when the last one is answered. " +
            "The client runs on the same cores as the server.");
        section.Table(loads);
        section.Paragraph(
            "Checks. Concurrent requests share inference runs (the service batches whatever is waiting), so 8 clients should get " +
            $"at least {Format.Ratio(ThroughputTarget)}× the throughput of one. One client's p50 should cost no more than decoding and " +
            $"preprocessing the JPEG, bare batch-1 inference and KNN alone, plus {OverheadBudgetMs} ms, all measured in this run.");
        section.Table(checks);
        section.Paragraph(
            "The references of the bound are measured in this process, in turn with the one-client requests: before each request, one decode + preprocess " +
            "of the same JPEG (`ImagePreprocessor.Prepare`, one thread), one bare batch-1 inference (`OnnxSession.Run` on a ready-made tensor, same threads) " +
            "and one KNN-alone query, so drift of the shared machine moves all of them alike. " +
            "KNN alone is `KnnSearch.SearchAsync` with the API's default settings (the in-memory index: a full exact scan up to 20,000 images, the inverted file above) on the same database, with the query image's own vector (its embedding by the same model, computed once in this process), so it is the search each request makes. " +
            "API peak RSS is VmHWM of the API process after both load runs; the file-backed part (RssFile, read then) is mostly the database, which SQLite memory-maps (up to 2 GiB) so that re-ranking reads cost no system call: pages of the OS page cache the kernel can drop, not memory the service allocated.");
        section.Table(references);
        section.Paragraph(
            "Where one client's request time goes, per request, from the API's `Server-Timing` header (decode: decoding and preprocessing " +
            "the JPEG; inference: from joining the inference queue to having the vector; KNN) and the client's latency. " +
            "\"Outside the engine\" is the rest: the client building and sending the multipart request, loopback, Kestrel, reading the form, " +
            "writing and parsing the JSON answer.");
        section.Table(split);
        section.Paragraph(
            $"\"More like this\" through HTTP: one client, `GET /images/{{id}}/similar?k={K}` for random stored ids (KNN with the stored vector, no inference), " +
            $"{effort.HttpSingleClientRequests} requests after the others. Target at {Format.Count(SimilarTargetCount)} images: p50 ≤ {SimilarTargetMs} ms.");
        section.Table(similar);
    }

    private static double Decode(ImagePreprocessor preprocessor, byte[] image, float[] tensor)
    {
        var stopwatch = Stopwatch.StartNew();
        preprocessor.Prepare(image, tensor);
        return stopwatch.Elapsed.TotalMilliseconds;
    }

    /// <summary>The API serving <paramref name="database"/>: one client (with the bound's references), then 8 clients.</summary>
    private async Task<Measurement> MeasureAsync(string database, int n, byte[] query, float[] embedding, OrtTimer ort, Func<double> decode)
    {
        var effort = context.Effort;
        await using var server = await ApiServer.StartAsync(context, database, n);

        // KNN alone: the search the API runs with its default settings (exact up to 20,000 images, the inverted file
        // above), for the query image's own vector: the search each request makes.
        using var store = VectorStore.Open(database, context.Collection);
        using var knnAlone = new KnnSearch(store, new KnnOptions());
        await knnAlone.WarmAsync();
        using var client = new SearchClient(server.Address, query, K);
        for (var i = 0; i < effort.HttpWarmupRequests; i++)
        {
            ort.Run(1);
            await knnAlone.SearchAsync(embedding, K);
            await client.SearchAsync();
        }

        var (single, inference, knn, decoded) = await SingleClientAsync(client, ort, decode, knnAlone, embedding, effort.HttpSingleClientSeconds, effort.HttpSingleClientRequests);
        BenchLog.Info($"http: N = {n:N0}: 1 client p50 {single.Latency.P50:F1} ms, {single.Throughput:F2} requests/s; inference p50 {inference.P50:F1} ms, KNN p50 {knn.P50:F1} ms");
        var concurrent = await LoadAsync(client, ConcurrentClients, effort.HttpConcurrentSeconds, 0);
        BenchLog.Info($"http: N = {n:N0}: {ConcurrentClients} clients p50 {concurrent.Latency.P50:F1} ms, {concurrent.Throughput:F2} requests/s");
        var similarRun = await SimilarAsync(client, n, effort.HttpSingleClientRequests);
        BenchLog.Info($"http: N = {n:N0}: /similar p50 {similarRun.Latency.P50:F2} ms");
        return new Measurement(single, concurrent, inference, knn, decoded, similarRun, server.PeakResidentBytes(), server.FileBackedBytes());
    }

    /// <summary>
    /// One client, with the references of the bound taken in turn with its requests: a bare batch-1 inference, a
    /// KNN-alone query, then one HTTP search, repeated. Drift of the shared machine then moves all three alike.
    /// The client's requests/s is requests over the sum of their latencies (the client never waits otherwise).
    /// </summary>
    private static async Task<(LoadResult Single, Distribution Inference, Distribution Knn, Distribution Decode)> SingleClientAsync(
        SearchClient client, OrtTimer ort, Func<double> decode, KnnSearch knnAlone, float[] embedding, double minimumSeconds, int minimumRequests)
    {
        var timings = new List<SearchTiming>();
        var decodes = new List<double>();
        var inference = new List<double>();
        var knn = new List<double>();
        var busy = TimeSpan.Zero;
        while (busy.TotalSeconds < minimumSeconds || timings.Count < minimumRequests)
        {
            decodes.Add(decode());
            inference.Add(ort.Run(1));
            var stopwatch = Stopwatch.StartNew();
            await knnAlone.SearchAsync(embedding, K);
            knn.Add(stopwatch.Elapsed.TotalMilliseconds);
            var timing = await client.SearchAsync();
            timings.Add(timing);
            busy += TimeSpan.FromMilliseconds(timing.Latency);
        }

        return (new LoadResult(1, busy, timings), Distribution.Of(inference), Distribution.Of(knn), Distribution.Of(decodes));
    }

    /// <summary>One client asking for images like random stored ones, after a few untimed requests.</summary>
    private static async Task<LoadResult> SimilarAsync(SearchClient client, int count, int requests)
    {
        var random = new Random(11);
        for (var i = 0; i < 10; i++)
        {
            await client.SimilarAsync(random.Next(1, count + 1));
        }

        var timings = new List<SearchTiming>();
        var busy = TimeSpan.Zero;
        for (var i = 0; i < requests; i++)
        {
            var timing = await client.SimilarAsync(random.Next(1, count + 1));
            timings.Add(timing);
            busy += TimeSpan.FromMilliseconds(timing.Latency);
        }

        return new LoadResult(1, busy, timings);
    }

    private static async Task<LoadResult> LoadAsync(SearchClient client, int clients, double minimumSeconds, int minimumRequests)
    {
        var timings = new ConcurrentQueue<SearchTiming>();
        var stopwatch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, clients).Select(async _ =>
        {
            while (stopwatch.Elapsed.TotalSeconds < minimumSeconds || timings.Count < minimumRequests)
            {
                timings.Enqueue(await client.SearchAsync());
            }
        });
        await Task.WhenAll(workers);
        stopwatch.Stop();
        return new LoadResult(clients, stopwatch.Elapsed, timings.ToList());
    }

    /// <summary>Everything one collection size gives.</summary>
    private sealed record Measurement(LoadResult Single, LoadResult Concurrent, Distribution Inference, Distribution Knn, Distribution Decode, LoadResult Similar, long PeakRss, long FileRss);

    /// <summary>One load run: how many clients, how long, and every request's timing.</summary>
    private sealed record LoadResult(int Clients, TimeSpan Elapsed, IReadOnlyList<SearchTiming> Timings)
    {
        public Distribution Latency { get; } = Distribution.Of(Timings.Select(t => t.Latency));

        public Distribution Decode { get; } = Distribution.Of(Timings.Select(t => t.Decode));

        public Distribution Inference { get; } = Distribution.Of(Timings.Select(t => t.Inference));

        public Distribution Knn { get; } = Distribution.Of(Timings.Select(t => t.Knn));

        public Distribution Outside { get; } = Distribution.Of(Timings.Select(t => t.Outside));

        public double Throughput => Latency.Count / Elapsed.TotalSeconds;
    }
}
