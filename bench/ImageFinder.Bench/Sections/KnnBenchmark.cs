using System.Diagnostics;
using System.Globalization;
using Cloud.Unum.USearch;
using ImageFinder.Bench.Knn;
using ImageFinder.Bench.Support;
using ImageFinder.Index;
using ImageFinder.Storage;

namespace ImageFinder.Bench.Sections;

/// <summary>
/// Section 4: KNN alone at N stored vectors, every method on the same queries, interleaved query by query:
/// sqlite-vec's exact vec0 scan through <see cref="VectorStore.SearchAsync(float[], int, CancellationToken)"/>, a brute-force scan in
/// memory, the service's <see cref="VectorIndex"/> (a full exact scan of its 8-bit codes, and its inverted file at three probe counts, with
/// the index's build, training, save and load in a table of their own),
/// and USearch's HNSW graph (f32 storage at ef 32, 64, 128; f16 at ef 64, 128; built only up to <see cref="BenchOptions.USearchMaxCount"/>,
/// with its build time, memory and save/load in a second table). Recall@10 against a double-precision scalar scan.
/// More methods plug in through <see cref="CreateMethods"/>.
/// </summary>
internal sealed class KnnBenchmark
{
    public const int K = 10;

    private const int WarmupQueries = 3;

    /// <summary>Queries asked of a USearch index before saving and again of its loaded and memory-mapped copies.</summary>
    private const int PersistCheckQueries = 20;

    /// <summary>The ef at which the loaded and memory-mapped copies are compared with the built index.</summary>
    private const int PersistCheckExpansion = 64;

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
            Measure(section, vectors, n, fill.Database);
        }
    }

    /// <summary>One collection size: every method's latency and recall, then the USearch indexes' build and persistence figures.</summary>
    private void Measure(ResultsSection section, SyntheticVectors vectors, int n, string database)
    {
        BenchLog.Info($"knn: N = {n:N0}: generating the vectors in memory");
        var data = vectors.Rows(n);
        using var store = VectorStore.Open(database, context.Collection);
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
        var upkeep = new MarkdownTable("index (VectorIndex)", "seconds", "note");
        upkeep.Row("build from SQLite: read every vector, 8-bit codes", buildSeconds.ToString("F1", CultureInfo.InvariantCulture), $"{Format.MiB(exact.MemoryBytes)} MiB in memory, {exact.MemoryBytes / (double)n:F0} bytes/vector");
        upkeep.Row($"train the inverted file: bisecting k-means, {cells} cells, every code assigned", trainSeconds.ToString("F1", CultureInfo.InvariantCulture), $"{Format.MiB(trained.MemoryBytes)} MiB in memory, {trained.MemoryBytes / (double)n:F0} bytes/vector");
        upkeep.Row("save beside the database", saveSeconds.ToString("F1", CultureInfo.InvariantCulture), $"{Format.MiB(fileBytes)} MiB file");
        upkeep.Row("load on restart (checksum, reconcile with the database)", loadSeconds.ToString("F1", CultureInfo.InvariantCulture), "replaces build + train");
        using var usearchF32 = BuildUSearch(data, n, ScalarKind.Float32);
        using var usearchF16 = BuildUSearch(data, n, ScalarKind.Float16);
        var methods = CreateMethods(store, exact, trained, data, usearchF32, usearchF16);

        var table = CompareMethods(methods, vectors, data, n);
        section.Paragraph($"**N = {Format.Count(n)}** ({Format.MiB((long)n * SyntheticVectors.Dimension * sizeof(float))} MiB of float32 vectors):");
        section.Table(table);
        section.Table(upkeep);

        if (usearchF32 is not null && usearchF16 is not null)
        {
            section.Paragraph(USearchCaption(n));
            section.Table(USearchTable(vectors, n, usearchF32, usearchF16));
        }
        else
        {
            section.Paragraph(
                $"USearch (HNSW) not measured at N = {Format.Count(n)}: above --usearch-max-n " +
                $"({Format.Count(context.Options.USearchMaxCount)}), to keep the run short: a build costs more than linear time in N " +
                "(at 100,000, 1.5 to 6 minutes per storage kind on 2 cores, depending on how busy they are). Raise --usearch-max-n to measure it.");
        }
    }

    /// <summary>Times every method on the same queries, interleaved query by query, with recall@10 against the exact answer.</summary>
    private MarkdownTable CompareMethods(List<KnnMethod> methods, SyntheticVectors vectors, float[] data, int n)
    {
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

        return table;
    }

    /// <returns>Null above --usearch-max-n.</returns>
    private USearchKnn? BuildUSearch(float[] data, int n, ScalarKind kind)
    {
        if (n > context.Options.USearchMaxCount)
        {
            return null;
        }

        BenchLog.Info($"knn: N = {n:N0}: building USearch HNSW ({kind}, {context.Threads} threads)");
        var built = USearchKnn.Build(data, SyntheticVectors.Dimension, kind, context.Threads);
        BenchLog.Info(
            $"knn: N = {n:N0}: USearch {built.KindName} built in {built.Figures.Elapsed.TotalSeconds:F1} s, " +
            $"{Format.MiB(built.Figures.MemoryUsageBytes)} MiB (usearch_memory_usage), kernels {built.Figures.Kernels}");
        return built;
    }

    private static string USearchCaption(int n) =>
        $"USearch {USearchKnn.LibraryVersion} (Cloud.Unum.USearch, through its C API) at N = {Format.Count(n)}: HNSW, squared L2, " +
        $"M {USearchKnn.Connectivity}, expansion_add {USearchKnn.ExpansionAdd}, capacity reserved for N first, one thread context per " +
        "build thread, each thread adding its share of the rows (usearch_add). Build CPU s is the process's CPU time meanwhile: on a " +
        "busy machine, build s × threads minus it is time spent waiting for a core. Memory: usearch_memory_usage (the library's own " +
        "count, including capacity reserved but not used yet: its key table rounds N up to a power of two), the process's VmRSS " +
        "growth during the build (what the system saw; it can undercount when the allocator reuses pages freed earlier) and the saved " +
        "file's size; bytes per vector from the latter two (the raw vector alone is 8,192 bytes in f32, 4,096 in f16). Save writes " +
        "to bench/work; load (into a new index) and view (memory-mapped) read the file just written, so from the page cache; the " +
        $"file is deleted afterwards. \"Same answers\": of {PersistCheckQueries} queries at ef {PersistCheckExpansion}, how many the " +
        "loaded and the viewed copy answer exactly as the built index (same ids, same order). \"Short answers\": searches (every ef, " +
        "warm-up included) that returned fewer than k ids.";

    private MarkdownTable USearchTable(SyntheticVectors vectors, int n, USearchKnn usearchF32, USearchKnn usearchF16)
    {
        var checkQueries = Enumerable.Range(0, PersistCheckQueries).Select(q => vectors.Query(2_000_000 + q, n)).ToList();
        var table = new MarkdownTable(
            "index", "build s", "build CPU s", "threads", "inserts/s", "usearch_memory_usage MiB", "RSS growth MiB", "file MiB",
            "bytes/vector (RSS growth, file)",
            "save s", "load s", "view ms", "same answers (load, view)", "short answers", "kernels");
        foreach (var usearch in new[] { usearchF32, usearchF16 })
        {
            var path = Path.Combine(context.Paths.Work, $"usearch-{usearch.KindName}-{n.ToString(CultureInfo.InvariantCulture)}.usearch");
            BenchLog.Info($"knn: N = {n:N0}: USearch {usearch.KindName}: save, load, view");
            var persisted = usearch.Persist(path, checkQueries, K, PersistCheckExpansion);
            var build = usearch.Figures;
            BenchLog.Info(
                $"knn: N = {n:N0}: USearch {usearch.KindName}: file {Format.MiB(persisted.FileBytes)} MiB, save {persisted.Save.TotalSeconds:F2} s, " +
                $"load {persisted.Load.TotalSeconds:F2} s, view {persisted.View.TotalMilliseconds:F0} ms, short answers {usearch.ShortAnswers}/{usearch.Searches}");
            table.Row(
                $"USearch HNSW {usearch.KindName}, M {USearchKnn.Connectivity}",
                Format.Seconds(build.Elapsed),
                Format.Seconds(build.ProcessorTime),
                build.Threads.ToString(CultureInfo.InvariantCulture),
                Format.Rate(build.InsertsPerSecond),
                Format.MiB(build.MemoryUsageBytes),
                Format.MiB(build.ResidentGrowthBytes),
                Format.MiB(persisted.FileBytes),
                $"{PerVector(build.ResidentGrowthBytes, n)}, {PerVector(persisted.FileBytes, n)}",
                persisted.Save.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture),
                persisted.Load.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture),
                Format.Ms(persisted.View.TotalMilliseconds),
                $"{persisted.SameAfterLoad}, {persisted.SameAfterView} of {persisted.Compared}",
                $"{usearch.ShortAnswers} of {usearch.Searches}",
                build.Kernels);
        }

        return table;
    }

    private static string PerVector(long bytes, int n) => (bytes / (double)n).ToString("F0", CultureInfo.InvariantCulture);

    /// <summary>The methods compared, first one the baseline. To add one: a line returning a <see cref="KnnMethod"/>.</summary>
    private static List<KnnMethod> CreateMethods(VectorStore store, VectorIndex exact, VectorIndex trained, float[] data, USearchKnn? usearchF32, USearchKnn? usearchF16)
    {
        var bruteForce = new BruteForceKnn(data, SyntheticVectors.Dimension);
        var rerank = new KnnOptions().RerankCandidates;
        var exactRerank = new KnnOptions().ExactRerankCandidates;
        List<KnnMethod> methods =
        [
            new("sqlite-vec exact (vec0, VectorStore.SearchAsync)", (query, k) => Ids(store.SearchAsync(query, k).GetAwaiter().GetResult())),
            new("brute force in memory (TensorPrimitives, C#)", bruteForce.Search),
            new("index, full scan: 8-bit codes, bounds, every candidate re-ranked (provably exact)", (query, k) => Ids(exact.Search(query, k))),
            new($"index, full scan, at most {exactRerank} re-ranked (Exact mode and the Auto default up to 20,000)", (query, k) => Ids(exact.Search(query, k, int.MaxValue, Math.Max(exactRerank, 2 * k)))),
            new($"index, inverted file: {trained.CellCount} cells, 4 probes", (query, k) => Ids(trained.Search(query, k, 4, rerank))),
            new($"index, inverted file: {trained.CellCount} cells, 8 probes (Approximate default)", (query, k) => Ids(trained.Search(query, k, 8, rerank))),
            new($"index, inverted file: {trained.CellCount} cells, 16 probes", (query, k) => Ids(trained.Search(query, k, 16, rerank))),
            new($"index, inverted file: {trained.CellCount} cells, 8 probes, 16 re-ranked", (query, k) => Ids(trained.Search(query, k, 8, 16))),
        ];

        // USearch's HNSW graph (absent above --usearch-max-n): one index per storage kind, ef set per query.
        if (usearchF32 is not null && usearchF16 is not null)
        {
            methods.AddRange(
            [
                new("USearch HNSW f32, M 16, ef 32", (query, k) => usearchF32.Search(query, k, 32)),
                new("USearch HNSW f32, M 16, ef 64", (query, k) => usearchF32.Search(query, k, 64)),
                new("USearch HNSW f32, M 16, ef 128", (query, k) => usearchF32.Search(query, k, 128)),
                new("USearch HNSW f16, M 16, ef 64", (query, k) => usearchF16.Search(query, k, 64)),
                new("USearch HNSW f16, M 16, ef 128", (query, k) => usearchF16.Search(query, k, 128)),
            ]);
        }

        return methods;
    }

    private static List<long> Ids(IReadOnlyList<SearchHit> hits) => hits.Select(hit => hit.Id).ToList();
}
