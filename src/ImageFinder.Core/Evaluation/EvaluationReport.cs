namespace ImageFinder.Evaluation;

/// <summary>
/// Leave-one-out retrieval over a labelled set: every image is a query against all the others, and the images of
/// its own class are the relevant ones. Overall figures are means over the queries. <see cref="Queries"/> counts the
/// images whose class has at least one other image; <see cref="SkippedSingletons"/> those left out as queries because
/// they are alone in their class (they are still searched). <see cref="Confusions"/> are the most frequent (class,
/// nearest neighbour's class) pairs among wrong nearest neighbours.
/// </summary>
public sealed record EvaluationReport(
    string Metric,
    int Images,
    int Classes,
    int Queries,
    int SkippedSingletons,
    IReadOnlyList<int> Ks,
    IReadOnlyDictionary<int, double> PrecisionAt,
    IReadOnlyDictionary<int, double> RecallAt,
    double MeanAveragePrecision,
    IReadOnlyList<ClassMetrics> PerClass,
    IReadOnlyList<ClassConfusion> Confusions);
