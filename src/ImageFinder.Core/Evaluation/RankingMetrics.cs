namespace ImageFinder.Evaluation;

/// <summary>
/// Retrieval measures of one ranked list, given which positions are relevant (position 0 is the nearest) and how many
/// relevant items exist in all.
/// </summary>
public static class RankingMetrics
{
    /// <summary>Relevant items among the first <paramref name="k"/>, divided by <paramref name="k"/>.</summary>
    public static double PrecisionAt(IReadOnlyList<bool> relevant, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        return (double)Hits(relevant, k) / k;
    }

    /// <summary>Relevant items among the first <paramref name="k"/>, divided by all relevant items (0 when there are none).</summary>
    public static double RecallAt(IReadOnlyList<bool> relevant, int k, int totalRelevant)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        return totalRelevant > 0 ? (double)Hits(relevant, k) / totalRelevant : 0;
    }

    /// <summary>The mean, over the relevant items, of the precision at each one's rank (0 when there are none).</summary>
    public static double AveragePrecision(IReadOnlyList<bool> relevant, int totalRelevant)
    {
        if (totalRelevant <= 0)
        {
            return 0;
        }

        var hits = 0;
        var sum = 0.0;
        for (var i = 0; i < relevant.Count; i++)
        {
            if (relevant[i])
            {
                hits++;
                sum += (double)hits / (i + 1);
            }
        }

        return sum / totalRelevant;
    }

    private static int Hits(IReadOnlyList<bool> relevant, int k)
    {
        var hits = 0;
        for (var i = 0; i < Math.Min(k, relevant.Count); i++)
        {
            hits += relevant[i] ? 1 : 0;
        }

        return hits;
    }
}
