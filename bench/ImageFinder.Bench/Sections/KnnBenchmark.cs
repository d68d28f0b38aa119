using System.Diagnostics;
using ImageFinder.Bench.Knn;
using ImageFinder.Bench.Support;
using ImageFinder.Index;
using ImageFinder.Storage;

namespace ImageFinder.Bench.Sections;

/// <summary>
/// Section 4: KNN alone at N stored vectors, every method on the same queries, interleaved query by query:
/// sqlite-vec's exact vec0 scan through <see cref="VectorStore.SearchAsync"/>, a brute-force scan in
/// memory, and the service's quantized index (binary codes, Hamming scan, 8-bit ranking, exact re-rank) at three settings. Recall@10 against a double-precision scalar scan. More methods plug in through
/// <see cref="CreateMethods"/>.
/// </summary>
internal sealed class KnnBenchmark
{
    public const int K = 10;

    private const int WarmupQueries = 3;

    private readonly BenchContext context;

    public KnnBenchmark(BenchContext context) => this.context = context;

    public async Task RunAsync(ResultsSection section)
    {
        var vectors = new SyntheticVectors();
        section.Paragraph(
            $"Synthetic data: {SyntheticVectors.Clusters} Gaussian clusters in {SyntheticVectors.Dimension}-d, non-negative like " +
            "ReLU features (centres max(0, N(0,1))·0.8, points max(0, centre + N(0, 0.3²))); queries are stored vectors plus " +
            $"N(0, 0.05²) noise, clipped at 0. k = {K}. Each query runs through every method in turn ({WarmupQueries} untimed " +
            "queries per method first). Recall@10 is against a double-precision scalar scan of all N vectors. One thread per query " +
            "for every method.");

        foreach (var n in context.Options.VectorCounts)
        {
            var fill = await SyntheticCollection.EnsureAsync(context.Paths.Work, context.Collection, vectors, n);
            BenchLog.Info($"knn: N = {n:N0}: generating the vectors in memory");
            var data = vectors.Rows(n);
            using var store = VectorStore.Open(fill.Database, context.Collection);
            var build = Stopwatch.StartNew();
            using var exact = VectorIndex.Build(store);
            var buildSeconds = build.Elapsed.TotalSeconds;
            var cells = new KnnOptions().CellsFor(n);
            build.Restart();
            using var trained = exact.Train(cells);
            var trainSeconds = build.Elapsed.TotalSeconds;
            var indexPath = Path.Combine(context.Paths.Work, $"knn-{n}.index");
            build.Restart();
            trained.Save(indexPath);
            var saveSeconds = build.Elapsed.TotalSeconds;
            build.Restart();
            using (VectorIndex.Load(store, indexPath, out _))
            {
            }

            var loadSeconds = build.Elapsed.TotalSeconds;
            var fileBytes = new FileInfo(indexPath).Length;
            File.Delete(indexPath);
            BenchLog.Info($"knn: N = {n:N0}: index read in {buildSeconds:F1} s, trained ({cells} cells) in {trainSeconds:F1} s, saved in {saveSeconds:F1} s, loaded in {loadSeconds:F1} s");
            var methods = CreateMethods(store, exact, trained, data);

            var queryCount = context.Effort.KnnQueriesFor(n);
            var times = methods.Select(_ => new List<double>(queryCount)).ToArray();
            var recalls = methods.Select(_ => new List<double>(queryCount)).ToArray();
            for (var q = 0; q < WarmupQueries; q++)
            {
                var warmup = vectors.Query(1_000_000 + q, n);
                foreach (var method in methods)
                {
                    method.Search(warmup, K);
                }
            }

            BenchLog.Info($"knn: N = {n:N0}: {queryCount} queries × {methods.Count} methods");
            for (var q = 0; q < queryCount; q++)
            {
                var query = vectors.Query(q, n);
                var truth = ExactNeighbours.Find(data, SyntheticVectors.Dimension, query, K);
                for (var m = 0; m < methods.Count; m++)
                {
                    var stopwatch = Stopwatch.StartNew();
                    var found = methods[m].Search(query, K);
                    times[m].Add(stopwatch.Elapsed.TotalMilliseconds);
                    recalls[m].Add(found.Take(K).Intersect(truth).Count() / (double)K);
                }
            }

            var table = new MarkdownTable("method", "queries", "p50 ms", "p99 ms", "mean ms", "recall@10", $"p50 speed-up vs {methods[0].Name}");
            var baseline = Distribution.Of(times[0]).P50;
            for (var m = 0; m < methods.Count; m++)
            {
                var latency = Distribution.Of(times[m]);
                BenchLog.Info($"knn: N = {n:N0}: {methods[m].Name}: p50 {latency.P50:F2} ms, recall {recalls[m].Average():F3}");
                table.Row(
                    methods[m].Name,
                    latency.Count.ToString(),
                    Format.Ms(latency.P50),
                    Format.Ms(latency.P99),
                    Format.Ms(latency.Mean),
                    recalls[m].Average().ToString("F3"),
                    Format.Ratio(baseline / latency.P50) + "×");
            }

            section.Paragraph($"**N = {Format.Count(n)}** ({Format.MiB((long)n * SyntheticVectors.Dimension * sizeof(float))} MiB of float32 vectors):");
            section.Table(table);
            var upkeep = new MarkdownTable("index (VectorIndex)", "seconds", "note");
            upkeep.Row("build from SQLite: read every vector, 8-bit codes", buildSeconds.ToString("F1"), $"{Format.MiB(exact.MemoryBytes)} MiB in memory, {exact.MemoryBytes / (double)n:F0} bytes/vector");
            upkeep.Row($"train the inverted file: k-means, {cells} cells, every code assigned", trainSeconds.ToString("F1"), $"{Format.MiB(trained.MemoryBytes)} MiB in memory, {trained.MemoryBytes / (double)n:F0} bytes/vector");
            upkeep.Row("save beside the database", saveSeconds.ToString("F1"), $"{Format.MiB(fileBytes)} MiB file");
            upkeep.Row("load on restart (checksum, reconcile with the database)", loadSeconds.ToString("F1"), "replaces build + train");
            section.Table(upkeep);
        }
    }

    /// <summary>The methods compared, first one the baseline. To add one: a line returning a <see cref="KnnMethod"/>.</summary>
    private static List<KnnMethod> CreateMethods(VectorStore store, VectorIndex exact, VectorIndex trained, float[] data)
    {
        var bruteForce = new BruteForceKnn(data, SyntheticVectors.Dimension);
        var rerank = new KnnOptions().RerankCandidates;
        return
        [
            new("sqlite-vec exact (vec0, VectorStore.SearchAsync)", (query, k) => Ids(store.SearchAsync(query, k).GetAwaiter().GetResult())),
            new("brute force in memory (TensorPrimitives, C#)", bruteForce.Search),
            new("index, full scan: 8-bit codes, bounds, exact re-rank (Exact mode)", (query, k) => Ids(exact.Search(query, k))),
            new($"index, inverted file: {trained.CellCount} cells, 4 probes", (query, k) => Ids(trained.Search(query, k, 4, rerank))),
            new($"index, inverted file: {trained.CellCount} cells, 8 probes (Approximate default)", (query, k) => Ids(trained.Search(query, k, 8, rerank))),
            new($"index, inverted file: {trained.CellCount} cells, 16 probes", (query, k) => Ids(trained.Search(query, k, 16, rerank))),
        ];
    }

    private static List<long> Ids(IReadOnlyList<SearchHit> hits) => hits.Select(hit => hit.Id).ToList();
}
