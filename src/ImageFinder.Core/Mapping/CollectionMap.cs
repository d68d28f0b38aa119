namespace ImageFinder.Mapping;

/// <summary>
/// The collection laid out in <see cref="Dimensions"/> dimensions by <see cref="Method"/>, as of collection
/// <see cref="Version"/>. <see cref="Total"/> is the collection's size; when it is above the point limit,
/// <see cref="Points"/> holds a seeded sample (<see cref="Sampled"/>). <see cref="ExplainedVariance"/> is the
/// share of the total variance along each principal component (PCA only; empty for t-SNE).
/// </summary>
public sealed record CollectionMap(
    MapMethod Method,
    int Dimensions,
    long Version,
    int Total,
    bool Sampled,
    IReadOnlyList<MapPoint> Points,
    IReadOnlyList<float> ExplainedVariance);
