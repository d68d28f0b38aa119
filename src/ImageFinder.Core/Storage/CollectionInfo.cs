namespace ImageFinder.Storage;

/// <summary>
/// What a database's vectors mean: which model made them (its card's name and, when known, the SHA-256 and file
/// name of its ONNX file), their dimension, and the distance used.
/// </summary>
public sealed record CollectionInfo(string Model, int Dimension, string Metric = CollectionInfo.L2, string? ModelSha256 = null, string? ModelFile = null)
{
    /// <summary>Euclidean distance (the default).</summary>
    public const string L2 = "l2";

    /// <summary>Cosine distance, 1 − cos(a, b): 0 for the same direction, 2 for opposite ones.</summary>
    public const string Cosine = "cosine";

    /// <summary>Manhattan distance, Σ|aᵢ − bᵢ|.</summary>
    public const string L1 = "l1";

    /// <summary>The metrics a collection can use (sqlite-vec's <c>distance_metric</c> values).</summary>
    public static readonly IReadOnlyList<string> Metrics = [L2, Cosine, L1];

    /// <summary>The metric's canonical name (case-insensitive), or null when it is not one of <see cref="Metrics"/>.</summary>
    public static string? ParseMetric(string? metric) =>
        Metrics.FirstOrDefault(m => string.Equals(m, metric?.Trim(), StringComparison.OrdinalIgnoreCase));
}
