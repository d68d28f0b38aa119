using ImageFinder.Distances;

namespace ImageFinder.Evaluation;

/// <summary>
/// Leave-one-out retrieval evaluation of a labelled set (e.g. a folder-per-class collection like Caltech-101): each
/// image queries all the others by the collection's exact metric; precision@k, recall@k and average precision come
/// from its full ranking, and wrong nearest neighbours are counted per pair of classes. Cost: n² distances, spread
/// over the cores.
/// </summary>
public static class RetrievalEvaluator
{
    /// <summary>The k of precision@k and recall@k reported by default.</summary>
    public static readonly IReadOnlyList<int> DefaultKs = [1, 3, 10];

    public static EvaluationReport Evaluate(
        IReadOnlyList<LabelledVector> items,
        string metric,
        IReadOnlyList<int>? ks = null,
        int topConfusions = 10,
        CancellationToken cancellationToken = default)
    {
        ks ??= DefaultKs;
        if (ks.Count == 0 || ks.Any(k => k < 1))
        {
            throw new ArgumentException("Every k must be at least 1.", nameof(ks));
        }

        var labels = items.Select(item => item.Label).ToArray();
        var classSizes = labels.GroupBy(label => label, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var distances = new PairwiseDistances(items.Select(item => item.Vector).ToList(), metric);
        var results = new QueryResult?[items.Count];
        var blocks = (items.Count + PairwiseDistances.BlockRows - 1) / PairwiseDistances.BlockRows;
        Parallel.For(
            0,
            blocks,
            new ParallelOptions { CancellationToken = cancellationToken },
            () => new float[PairwiseDistances.BlockRows * items.Count],
            (block, _, buffer) =>
            {
                var first = block * PairwiseDistances.BlockRows;
                var count = Math.Min(PairwiseDistances.BlockRows, items.Count - first);
                distances.ComputeBlock(first, count, buffer);
                for (var q = 0; q < count; q++)
                {
                    var query = first + q;
                    var totalRelevant = classSizes[labels[query]] - 1;
                    if (totalRelevant > 0)
                    {
                        results[query] = Rank(labels, query, totalRelevant, ks, buffer.AsSpan(q * items.Count, items.Count));
                    }
                }

                return buffer;
            },
            _ => { });

        var answered = Enumerable.Range(0, items.Count).Where(i => results[i] is not null).ToList();
        var perClass = answered
            .GroupBy(i => labels[i], StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new ClassMetrics(
                g.Key,
                classSizes[g.Key],
                ks.ToDictionary(k => k, k => g.Average(i => results[i]!.PrecisionAt[k])),
                ks.ToDictionary(k => k, k => g.Average(i => results[i]!.RecallAt[k])),
                g.Average(i => results[i]!.AveragePrecision)))
            .ToList();
        var confusions = answered
            .Where(i => results[i]!.NearestLabel != labels[i])
            .GroupBy(i => (Label: labels[i], ConfusedWith: results[i]!.NearestLabel))
            .Select(g => new ClassConfusion(g.Key.Label, g.Key.ConfusedWith, g.Count(), (double)g.Count() / (classSizes[g.Key.Label])))
            .OrderByDescending(c => c.Count)
            .ThenByDescending(c => c.Share)
            .ThenBy(c => c.Label, StringComparer.Ordinal)
            .ThenBy(c => c.ConfusedWith, StringComparer.Ordinal)
            .Take(topConfusions)
            .ToList();

        double Mean(Func<QueryResult, double> measure) => answered.Count == 0 ? 0 : answered.Average(i => measure(results[i]!));
        return new EvaluationReport(
            metric,
            items.Count,
            classSizes.Count,
            answered.Count,
            items.Count - answered.Count,
            ks.ToList(),
            ks.ToDictionary(k => k, k => Mean(r => r.PrecisionAt[k])),
            ks.ToDictionary(k => k, k => Mean(r => r.RecallAt[k])),
            Mean(r => r.AveragePrecision),
            perClass,
            confusions);
    }

    private static QueryResult Rank(string[] labels, int query, int totalRelevant, IReadOnlyList<int> ks, ReadOnlySpan<float> row)
    {
        var keys = new float[row.Length - 1];
        var order = new int[row.Length - 1];
        var count = 0;
        for (var j = 0; j < row.Length; j++)
        {
            if (j != query)
            {
                keys[count] = row[j];
                order[count++] = j;
            }
        }

        // Nearest first; equal distances in input order, so the result is deterministic.
        Array.Sort(keys, order);
        for (var start = 0; start < count;)
        {
            var end = start + 1;
            while (end < count && keys[end] == keys[start])
            {
                end++;
            }

            if (end - start > 1)
            {
                Array.Sort(order, start, end - start);
            }

            start = end;
        }

        var relevant = new bool[count];
        for (var r = 0; r < count; r++)
        {
            relevant[r] = labels[order[r]] == labels[query];
        }

        return new QueryResult(
            ks.ToDictionary(k => k, k => RankingMetrics.PrecisionAt(relevant, k)),
            ks.ToDictionary(k => k, k => RankingMetrics.RecallAt(relevant, k, totalRelevant)),
            RankingMetrics.AveragePrecision(relevant, totalRelevant),
            labels[order[0]]);
    }

    private sealed record QueryResult(Dictionary<int, double> PrecisionAt, Dictionary<int, double> RecallAt, double AveragePrecision, string NearestLabel);
}
