using System.Globalization;
using ImageFinder.Distances;
using StackExchange.Redis;

namespace ImageFinder.Storage.Garnet;

/// <summary>
/// A filtered KNN on a Garnet collection: the k nearest images among those that match, shard by shard, merged by
/// distance. Garnet's <c>VSIM … FILTER</c> alone cannot give that: it filters only the EF candidates its graph search
/// visits, so a rare match is never seen and a shard answers fewer than it holds. So every shard is planned first.
/// </summary>
/// <remarks>
/// <list type="number">
/// <item>One round trip counts, per shard, the images each condition lets through (SCARD of the labels' sets, ZCOUNT
/// of the added, width and height sorted sets of <see cref="GarnetFilterIndex"/>). The smallest count is an upper bound
/// of the shard's matches (exact for a filter with one condition).</item>
/// <item>A shard whose bound m is small (<see cref="ExactLimit"/>: about √(breadth · n) / 3 of its n images, where the
/// breadth is <c>max(k, SearchEf)</c>) is answered exactly: the ids of that smallest condition are read, their rows
/// checked against the filter, and the matches' vectors read (VEMB RAW) and measured here.</item>
/// <item>Any other shard is asked <c>VSIM … EF breadth·n/m FILTER …</c>, the EF raised by the filter's selectivity so
/// that about as many matches are visited as an unfiltered search visits images. An answer with fewer than k matches
/// that does not reach the shard's bound is asked again at 4 times the EF, and then answered exactly, so the answer is
/// never short.</item>
/// </list>
/// Every image answered with is checked against its row (the filter's truth), whichever way it was found.
/// </remarks>
internal sealed class GarnetFilteredSearch(
    IDatabase database, GarnetKeys keys, CollectionInfo collection, int searchEf, Func<double, float> distance, Func<long, Task<float[]?>> readVector)
{
    /// <summary>The most vectors a shard reads for an exact answer by choice (8 MB at 2048-d); a short graph answer is completed exactly whatever it costs.</summary>
    private const long MaxExactReads = 1000;

    private static readonly RedisValue[] RowFields = ["source", "added", "width", "height"];

    public async Task<IReadOnlyList<SearchHit>> SearchAsync(float[] query, int k, ImageFilter filter)
    {
        var plans = await Task.WhenAll(Enumerable.Range(0, keys.Shards).Select(shard => PlanAsync(shard, filter))).ConfigureAwait(false);
        var blob = GarnetStore.Blob(query);
        var expression = GarnetFilterIndex.Expression(filter);
        var perShard = await Task.WhenAll(plans.Select(plan => SearchShardAsync(plan, query, blob, expression, k, filter))).ConfigureAwait(false);
        var hits = perShard.SelectMany(shard => shard).ToList();
        VectorStore.SortHits(hits);
        return hits.Count > k ? hits[..k] : hits;
    }

    /// <summary>How a shard is searched: which condition lets the fewest images through, and how many.</summary>
    private sealed record ShardPlan(int Shard, long Images, FilterCondition Smallest, long Bound);

    private enum FilterCondition
    {
        Labels,
        Added,
        Width,
        Height,
    }

    private async Task<ShardPlan> PlanAsync(int shard, ImageFilter filter)
    {
        var images = database.SortedSetLengthAsync(keys.Ids(shard));
        var counts = new List<(FilterCondition Condition, Task<long> Count)>();
        if (filter.Labels.Count > 0)
        {
            var labels = filter.Labels.Distinct(StringComparer.Ordinal).Select(label => database.SetLengthAsync(keys.Label(shard, label))).ToList();
            counts.Add((FilterCondition.Labels, SumAsync(labels)));
        }

        if (filter.AddedAfter is not null || filter.AddedBefore is not null)
        {
            counts.Add((FilterCondition.Added, database.SortedSetLengthAsync(keys.Added(shard), filter.AddedAfterMs, filter.AddedBeforeMs, Exclude.Stop)));
        }

        if (filter.MinWidth is { } width)
        {
            counts.Add((FilterCondition.Width, database.SortedSetLengthAsync(keys.Width(shard), width, double.PositiveInfinity)));
        }

        if (filter.MinHeight is { } height)
        {
            counts.Add((FilterCondition.Height, database.SortedSetLengthAsync(keys.Height(shard), height, double.PositiveInfinity)));
        }

        await Task.WhenAll(counts.Select(count => count.Count).Append(images)).ConfigureAwait(false);
        var smallest = counts.MinBy(count => count.Count.Result);
        return new ShardPlan(shard, images.Result, smallest.Condition, Math.Min(smallest.Count.Result, images.Result));
    }

    private async Task<List<SearchHit>> SearchShardAsync(ShardPlan plan, float[] query, byte[] blob, string expression, int k, ImageFilter filter)
    {
        if (plan.Bound == 0)
        {
            return [];
        }

        var breadth = Math.Max(k, searchEf);
        if (plan.Bound <= ExactLimit(k, breadth, plan.Images))
        {
            return await ExactAsync(plan, query, k, filter).ConfigureAwait(false);
        }

        var ef = Math.Min(plan.Images, (long)Math.Ceiling((double)breadth * plan.Images / plan.Bound));
        var hits = await GraphAsync(plan.Shard, blob, expression, k, ef, filter).ConfigureAwait(false);
        if (!IsComplete(hits, plan, k) && ef < plan.Images)
        {
            hits = await GraphAsync(plan.Shard, blob, expression, k, Math.Min(ef * 4, plan.Images), filter).ConfigureAwait(false);
        }

        return IsComplete(hits, plan, k) ? hits : await ExactAsync(plan, query, k, filter).ConfigureAwait(false);
    }

    /// <summary>
    /// Up to how many possible matches a shard of <paramref name="images"/> is read exactly rather than searched:
    /// √(breadth · images) / 3, at least k and at most <see cref="MaxExactReads"/>. Measured here (2048-d, one node):
    /// reading one vector (VEMB RAW) costs about 9 times one unit of VSIM's EF, and a graph search must run at
    /// EF ≈ breadth · images / m to meet as many matches as it visits when m of the images match; the two costs are
    /// equal at m² = breadth · images / 9.
    /// </summary>
    internal static long ExactLimit(int k, int breadth, long images) =>
        Math.Max(k, Math.Min(MaxExactReads, (long)(Math.Sqrt((double)breadth * images) / 3)));

    /// <summary>Whether a graph answer is all the shard can give: k matches, or as many as its bound allows.</summary>
    private static bool IsComplete(List<SearchHit> hits, ShardPlan plan, int k) => hits.Count >= k || hits.Count >= plan.Bound;

    /// <summary>VSIM with the filter at breadth <paramref name="ef"/>: up to k matches, each checked against its row.</summary>
    private async Task<List<SearchHit>> GraphAsync(int shard, byte[] blob, string expression, int k, long ef, ImageFilter filter)
    {
        var reply = await database.ExecuteAsync("VSIM", keys.Vectors(shard), "FP32", blob, "COUNT", k, "EF", ef, "WITHSCORES", "FILTER", expression).ConfigureAwait(false);
        var candidates = new List<(long Id, float Distance)>();
        if (!reply.IsNull && reply.Resp2Type == ResultType.Array)
        {
            var flat = (RedisResult[])reply!;
            for (var i = 0; i + 1 < flat.Length; i += 2)
            {
                candidates.Add((long.Parse((string)flat[i]!, CultureInfo.InvariantCulture), distance((double)flat[i + 1])));
            }
        }

        var rows = await Task.WhenAll(candidates.Select(c => database.HashGetAsync(keys.Image(c.Id), RowFields))).ConfigureAwait(false);
        var hits = new List<SearchHit>(candidates.Count);
        for (var i = 0; i < candidates.Count; i++)
        {
            if (Matching(rows[i], filter) is { } source)
            {
                hits.Add(new SearchHit(candidates[i].Id, candidates[i].Distance, source));
            }
        }

        return hits;
    }

    /// <summary>Every image of the plan's smallest condition checked against its row, the matches measured exactly: the shard's k nearest matches.</summary>
    private async Task<List<SearchHit>> ExactAsync(ShardPlan plan, float[] query, int k, ImageFilter filter)
    {
        var ids = await CandidatesAsync(plan, filter).ConfigureAwait(false);
        var rows = await Task.WhenAll(ids.Select(id => database.HashGetAsync(keys.Image(id), RowFields))).ConfigureAwait(false);
        var matches = new List<(long Id, string Source)>();
        for (var i = 0; i < ids.Count; i++)
        {
            if (Matching(rows[i], filter) is { } source)
            {
                matches.Add((ids[i], source));
            }
        }

        var vectors = await Task.WhenAll(matches.Select(match => readVector(match.Id))).ConfigureAwait(false);
        var hits = new List<SearchHit>(matches.Count);
        for (var i = 0; i < matches.Count; i++)
        {
            if (vectors[i] is { } vector)
            {
                hits.Add(new SearchHit(matches[i].Id, VectorDistance.Compute(collection.Metric, query, vector), matches[i].Source));
            }
        }

        VectorStore.SortHits(hits);
        return hits.Count > k ? hits[..k] : hits;
    }

    private async Task<List<long>> CandidatesAsync(ShardPlan plan, ImageFilter filter)
    {
        var shard = plan.Shard;
        RedisValue[] values = plan.Smallest switch
        {
            FilterCondition.Labels => (await Task.WhenAll(filter.Labels.Distinct(StringComparer.Ordinal).Select(label => database.SetMembersAsync(keys.Label(shard, label)))).ConfigureAwait(false))
                .SelectMany(members => members).ToArray(),
            FilterCondition.Added => await database.SortedSetRangeByScoreAsync(keys.Added(shard), filter.AddedAfterMs, filter.AddedBeforeMs, Exclude.Stop).ConfigureAwait(false),
            FilterCondition.Width => await database.SortedSetRangeByScoreAsync(keys.Width(shard), filter.MinWidth!.Value, double.PositiveInfinity).ConfigureAwait(false),
            _ => await database.SortedSetRangeByScoreAsync(keys.Height(shard), filter.MinHeight!.Value, double.PositiveInfinity).ConfigureAwait(false),
        };
        return [.. values.Select(value => (long)value).Distinct()];
    }

    /// <summary>The source of a row that exists and passes <paramref name="filter"/>, else null.</summary>
    private static string? Matching(RedisValue[] row, ImageFilter filter)
    {
        if (row[0].IsNull || row[1].IsNull)
        {
            return null;
        }

        var source = (string)row[0]!;
        return filter.Matches(ImageLabel.Of(source), (long)row[1], (int)row[2], (int)row[3]) ? source : null;
    }

    private static async Task<long> SumAsync(List<Task<long>> counts) => (await Task.WhenAll(counts).ConfigureAwait(false)).Sum();
}
