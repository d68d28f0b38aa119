namespace ImageFinder.Evaluation;

/// <summary>The measures of one class: means over the queries made with its images.</summary>
public sealed record ClassMetrics(
    string Label,
    int Images,
    IReadOnlyDictionary<int, double> PrecisionAt,
    IReadOnlyDictionary<int, double> RecallAt,
    double MeanAveragePrecision);
