using System.Diagnostics;
using System.Globalization;
using ImageFinder.Bench.Knn;
using ImageFinder.Bench.Support;
using ImageFinder.Index;
using ImageFinder.Storage;

namespace ImageFinder.Bench.Sections;

/// <summary>
/// Filtered KNN on the SQLite store's in-memory index (the API's default search) against the unfiltered search, query
/// by query in one run: filters matching 1 %, 10 % and 50 % of the collection, with recall@10 against an exact scan of
/// the matching vectors only; and sqlite-vec's own filtered KNN (the fallback while no index is ready) at 1 %.
/// </summary>
internal sealed class FilterBenchmark(BenchContext context)
{
    private const int K = 10;
    private const int WarmupQueries = 3;
    private const int SqliteVecQueries = 10;
    private static readonly double[] Shares = [0.01, 0.10, 0.50];

    public async Task RunAsync(ResultsSection section)
    {
        var n = context.Options.VectorCounts.Max();
        var vectors = new SyntheticVectors();
        var fill = await SyntheticCollection.EnsureAsync(context.Paths.Work, context.Collection, vectors, n);
        using var store = VectorStore.Open(fill.Database, context.Collection);
        var added = await AddedTimesAsync(store);
        // The synthetic collection is written in batches of 1,000, each with its own added time: a window over whole
        // batches matches an exact share of the images. (Every source is "synthetic/…", one label: a label filter costs
        // the same as a window, as both are one test of the facets the index keeps.)
        var batches = added.Values.Distinct().Order().ToArray();
        BenchLog.Info($"filter: N = {n:N0}, {batches.Length} added-time batches; loading the index");
        using var knn = new KnnSearch(store, new KnnOptions());
        await knn.WarmAsync();
        var data = vectors.Rows(n);
        var filters = Shares.Select(share => Window(share, batches, added, data)).ToList();

        var queryCount = context.Effort.KnnQueriesFor(n);
        var unfiltered = new List<double>(queryCount);
        var unfilteredRecall = new List<double>(queryCount);
        var times = filters.Select(_ => new List<double>(queryCount)).ToArray();
        var recalls = filters.Select(_ => new List<double>(queryCount)).ToArray();
        var modes = filters.Select(_ => new HashSet<KnnMode>()).ToArray();
        var unfilteredModes = new HashSet<KnnMode>();
        for (var q = 0; q < WarmupQueries; q++)
        {
            var warmup = vectors.Query(2_000_000 + q, n);
            await knn.SearchAsync(warmup, K);
            foreach (var filter in filters)
            {
                await knn.SearchAsync(warmup, K, filter.Filter);
            }
        }

        BenchLog.Info($"filter: {queryCount} queries × {filters.Count + 1} searches");
        for (var q = 0; q < queryCount; q++)
        {
            var query = vectors.Query(q, n);
            var stopwatch = Stopwatch.StartNew();
            var plain = await knn.SearchAsync(query, K);
            unfiltered.Add(stopwatch.Elapsed.TotalMilliseconds);
            unfilteredModes.Add(knn.LastMode);
            unfilteredRecall.Add(Recall(plain, ExactNeighbours.Find(data, SyntheticVectors.Dimension, query, K)));
            for (var f = 0; f < filters.Count; f++)
            {
                stopwatch.Restart();
                var hits = await knn.SearchAsync(query, K, filters[f].Filter);
                times[f].Add(stopwatch.Elapsed.TotalMilliseconds);
                modes[f].Add(knn.LastMode);
                recalls[f].Add(Recall(hits, filters[f].Truth(query)));
            }
        }

        var sqliteVec = new List<double>(SqliteVecQueries);
        for (var q = 0; q < SqliteVecQueries; q++)
        {
            var stopwatch = Stopwatch.StartNew();
            await store.SearchAsync(vectors.Query(q, n), K, filters[0].Filter);
            sqliteVec.Add(stopwatch.Elapsed.TotalMilliseconds);
        }

        var baseline = Distribution.Of(unfiltered);
        var table = new MarkdownTable("search", "images that match", "queries", "p50 ms", "p99 ms", "p50 × unfiltered", "recall@10", "path");
        table.Row("unfiltered", Format.Count(n), queryCount.ToString(CultureInfo.InvariantCulture), Ms(baseline.P50), Ms(baseline.P99), "1.00", unfilteredRecall.Average().ToString("F3", CultureInfo.InvariantCulture), string.Join(", ", unfilteredModes));
        for (var f = 0; f < filters.Count; f++)
        {
            var latency = Distribution.Of(times[f]);
            table.Row(
                $"added window, {Shares[f]:P0}",
                Format.Count(filters[f].Matching),
                queryCount.ToString(CultureInfo.InvariantCulture),
                Ms(latency.P50),
                Ms(latency.P99),
                (latency.P50 / baseline.P50).ToString("F2", CultureInfo.InvariantCulture),
                recalls[f].Average().ToString("F3", CultureInfo.InvariantCulture),
                string.Join(", ", modes[f]) + (modes[f].Contains(KnnMode.Exact) ? " (the matching subset scanned in full)" : " (probes widened by the share)"));
        }

        var fallback = Distribution.Of(sqliteVec);
        table.Row(
            $"sqlite-vec's own filtered KNN, {Shares[0]:P0} (no index yet)",
            Format.Count(filters[0].Matching),
            SqliteVecQueries.ToString(CultureInfo.InvariantCulture),
            Ms(fallback.P50),
            Ms(fallback.P99),
            (fallback.P50 / baseline.P50).ToString("F2", CultureInfo.InvariantCulture),
            "1.000 (exact)",
            "SqliteVec");
        section.Paragraph(
            $"N = {Format.Count(n)} synthetic {SyntheticVectors.Dimension}-d vectors (section 4's data), the API's default search " +
            $"(Auto: an inverted file of {knn.Status.Cells:N0} cells above {Format.Count(knn.Options.ExactMaxVectors)} images, " +
            $"{knn.Options.Probes} probes). Each query runs unfiltered and then under each filter, in turn ({WarmupQueries} untimed " +
            "queries first); recall@10 of a filtered search is against a double-precision scan of the matching vectors only. " +
            "A filter whose matching images number at most ExactMaxVectors scans just their codes, exactly; a larger one scans " +
            "the cells with the filter applied to every row, probing as many more cells as the filter is selective.");
        section.Table(table);
    }

    private static string Ms(double value) => value.ToString("F2", CultureInfo.InvariantCulture);

    private static double Recall(IReadOnlyList<SearchHit> found, long[] truth) =>
        truth.Length == 0 ? 1 : found.Select(h => h.Id).Intersect(truth).Count() / (double)truth.Length;

    /// <summary>Every image's added time (Unix ms) by id.</summary>
    private static async Task<Dictionary<long, long>> AddedTimesAsync(VectorStore store)
    {
        var added = new Dictionary<long, long>();
        const int page = 10_000;
        for (var offset = 0; ; offset += page)
        {
            var images = await store.ListAsync(offset, page);
            foreach (var image in images)
            {
                added[image.Id] = image.Added.ToUnixTimeMilliseconds();
            }

            if (images.Count < page)
            {
                return added;
            }
        }
    }

    /// <summary>A window of whole batches, in the middle of the collection, holding <paramref name="share"/> of the images.</summary>
    private static FilterCase Window(double share, long[] batches, Dictionary<long, long> added, float[] data)
    {
        var count = Math.Max(1, (int)Math.Round(share * batches.Length));
        var first = (batches.Length - count) / 2;
        var filter = new ImageFilter
        {
            AddedAfter = DateTimeOffset.FromUnixTimeMilliseconds(batches[first]),
            AddedBefore = first + count < batches.Length ? DateTimeOffset.FromUnixTimeMilliseconds(batches[first + count]) : null,
        };
        var ids = added.Where(a => a.Value >= filter.AddedAfterMs && a.Value < filter.AddedBeforeMs).Select(a => a.Key).Order().ToArray();
        var subset = new float[(long)ids.Length * SyntheticVectors.Dimension];
        for (var i = 0; i < ids.Length; i++)
        {
            // Image id i + 1 holds synthetic row i.
            data.AsSpan((int)((ids[i] - 1) * SyntheticVectors.Dimension), SyntheticVectors.Dimension).CopyTo(subset.AsSpan(i * SyntheticVectors.Dimension));
        }

        return new FilterCase(filter, ids.Length, query => ExactNeighbours.Find(subset, SyntheticVectors.Dimension, query, K).Select(row => ids[row - 1]).ToArray());
    }

    private sealed record FilterCase(ImageFilter Filter, int Matching, Func<float[], long[]> Truth);
}
