namespace ImageFinder.Api.Map;

/// <summary>Every stored embedding laid out in 2 or 3 dimensions.</summary>
/// <param name="Method"><c>pca</c> or <c>tsne</c>.</param>
/// <param name="Dimensions">2 or 3.</param>
/// <param name="Version">The collection version the map was computed from; a write to the collection makes a new map.</param>
/// <param name="Total">Images in the collection.</param>
/// <param name="Sampled">True when the collection has more images than a map holds (50,000) and the points are a seeded random sample.</param>
/// <param name="ExplainedVariance">PCA only: the share of the total variance along each axis.</param>
/// <param name="Points">One per image (or per sampled image), in id order.</param>
public sealed record MapResponse(
    string Method,
    int Dimensions,
    long Version,
    int Total,
    bool Sampled,
    IReadOnlyList<float> ExplainedVariance,
    IReadOnlyList<MapPointResponse> Points);
