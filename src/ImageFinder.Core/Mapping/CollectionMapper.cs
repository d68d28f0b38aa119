using ImageFinder.Storage;

namespace ImageFinder.Mapping;

/// <summary>Computes a <see cref="CollectionMap"/> of a store: PCA, or t-SNE started from PCA.</summary>
public static class CollectionMapper
{
    /// <summary>Most points on a map; above it a seeded random sample of this many images is mapped.</summary>
    public const int MaxPoints = 50_000;

    /// <summary>PCA components t-SNE works on (the usual reduction before computing neighbours).</summary>
    public const int TsneInputComponents = 50;

    private const int Seed = 20_261_121;

    public static Task<CollectionMap> ComputeAsync(IImageStore store, MapMethod method, int dimensions, CancellationToken cancellationToken) =>
        ComputeAsync(store, method, dimensions, MaxPoints, cancellationToken);

    /// <summary>
    /// As <see cref="ComputeAsync(IImageStore, MapMethod, int, CancellationToken)"/>, sampling above <paramref name="maxPoints"/> images:
    /// streamed from a snapshot of the SQLite file on every pass, or read once into memory from any other store.
    /// </summary>
    public static async Task<CollectionMap> ComputeAsync(IImageStore store, MapMethod method, int dimensions, int maxPoints, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        using IMapSample vectors = store is VectorStore file
            ? StoredVectors.Open(file, maxPoints, Seed)
            : await LoadedVectors.LoadAsync(store, maxPoints, Seed, cancellationToken).ConfigureAwait(false);
        return await Task.Run(() => Compute(vectors, method, dimensions, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    private static CollectionMap Compute(IMapSample vectors, MapMethod method, int dimensions, CancellationToken cancellationToken)
    {
        var (coordinates, explained) = Layout(vectors, method, dimensions, cancellationToken);
        var points = new MapPoint[vectors.Count];
        for (var row = 0; row < points.Length; row++)
        {
            var at = row * dimensions;
            points[row] = new MapPoint(vectors.Ids[row], vectors.Sources[row], coordinates[at], coordinates[at + 1], dimensions == 3 ? coordinates[at + 2] : 0);
        }

        return new CollectionMap(method, dimensions, vectors.Version, vectors.Total, vectors.Count < vectors.Total, points, explained);
    }

    /// <summary>Row-major Count × <paramref name="dimensions"/> coordinates of <paramref name="source"/>, and PCA's explained variance (empty for t-SNE).</summary>
    public static (float[] Coordinates, float[] ExplainedVariance) Layout(IVectorSource source, MapMethod method, int dimensions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (dimensions is not (2 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(dimensions), dimensions, "A map has 2 or 3 dimensions.");
        }

        if (method == MapMethod.Pca)
        {
            var pca = Pca.Project(source, dimensions, Seed, cancellationToken);
            return (pca.Coordinates, pca.ExplainedVariance);
        }

        var inputs = Math.Max(dimensions, Math.Min(TsneInputComponents, source.Dimension));
        var reduced = Pca.Project(source, inputs, Seed, cancellationToken);
        var n = source.Count;
        var initial = new float[n * dimensions];
        for (var row = 0; row < n; row++)
        {
            reduced.Coordinates.AsSpan(row * inputs, dimensions).CopyTo(initial.AsSpan(row * dimensions, dimensions));
        }

        return (Tsne.Embed(reduced.Coordinates, n, inputs, initial, dimensions, cancellationToken), []);
    }
}
