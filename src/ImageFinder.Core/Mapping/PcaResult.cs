namespace ImageFinder.Mapping;

/// <summary>Row-major coordinates (rows × <see cref="Components"/>) and each component's share of the total variance.</summary>
public sealed record PcaResult(float[] Coordinates, int Components, float[] ExplainedVariance);
