namespace ImageFinder.Bench.Support;

/// <summary>Summary of repeated measurements (milliseconds, images/s…): count, mean, median and tail percentiles.</summary>
internal sealed record Distribution(int Count, double Mean, double Min, double P50, double P90, double P95, double P99, double Max)
{
    public static Distribution Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            throw new ArgumentException("No measurements.", nameof(values));
        }

        return new Distribution(
            sorted.Length,
            sorted.Average(),
            sorted[0],
            Percentiles.Of(sorted, 50),
            Percentiles.Of(sorted, 90),
            Percentiles.Of(sorted, 95),
            Percentiles.Of(sorted, 99),
            sorted[^1]);
    }
}
