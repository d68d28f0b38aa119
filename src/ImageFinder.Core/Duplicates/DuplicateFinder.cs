using System.Numerics.Tensors;
using ImageFinder.Storage;

namespace ImageFinder.Duplicates;

/// <summary>
/// Groups near-identical images (re-encodes, resizes, light edits), as imagededup does with CNN features: two images are
/// duplicates when their embeddings are within a distance threshold, and groups are the connected sets of such pairs.
/// The comparison is exact; a sweep over one projection of the vectors skips the pairs that cannot be within the
/// threshold (a projection on a unit direction never exceeds the L2 distance, and the difference of the sums never
/// exceeds the L1 distance), so only close pairs cost a full distance.
/// </summary>
public static class DuplicateFinder
{
    /// <summary>The default threshold of a cosine collection: cosine similarity 0.95.</summary>
    public const float DefaultCosineDistance = 0.05f;

    /// <summary>
    /// The default threshold of an l2 or l1 collection, as a fraction of the collection's median vector norm (L2 or L1
    /// norm): √(2 × 0.05), the L2 distance of two vectors of equal length at cosine distance 0.05.
    /// </summary>
    public static readonly float DefaultRelativeDistance = MathF.Sqrt(2 * DefaultCosineDistance);

    /// <summary>
    /// Finds the near-duplicate groups among the images of <paramref name="store"/>; <paramref name="maxDistance"/> is the
    /// largest distance, in the collection's metric, between two duplicates (null: the default).
    /// </summary>
    public static DuplicateReport Find(VectorStore store, float? maxDistance = null, CancellationToken cancellationToken = default) =>
        Find(CollectionVectors.Read(store, cancellationToken: cancellationToken), store.Collection.Metric, maxDistance, cancellationToken);

    public static DuplicateReport Find(IReadOnlyList<StoredVector> images, string metric, float? maxDistance = null, CancellationToken cancellationToken = default)
    {
        if (maxDistance is { } given && (!float.IsFinite(given) || given < 0))
        {
            throw new ArgumentOutOfRangeException(nameof(maxDistance), given, "The maximum distance must be a finite number, 0 or more.");
        }

        var threshold = maxDistance ?? DefaultThreshold(images, metric);
        var vectors = images.Select(image => image.Vector).ToArray();
        if (metric == CollectionInfo.Cosine)
        {
            vectors = vectors.Select(vector =>
            {
                var unit = (float[])vector.Clone();
                VectorDistance.Normalize(unit);
                return unit;
            }).ToArray();
        }

        // For unit vectors, cosine distance c is L2 distance √(2c).
        var (projections, reach) = Project(vectors, metric, threshold);
        var order = Enumerable.Range(0, vectors.Length).OrderBy(i => projections[i]).ToArray();
        var parent = Enumerable.Range(0, vectors.Length).ToArray();
        for (var a = 0; a < order.Length; a++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var i = order[a];
            for (var b = a + 1; b < order.Length && projections[order[b]] - projections[i] <= reach; b++)
            {
                var j = order[b];
                if (Distance(metric, vectors[i], vectors[j]) <= threshold)
                {
                    parent[Root(parent, i)] = Root(parent, j);
                }
            }
        }

        var groups = Enumerable.Range(0, vectors.Length)
            .GroupBy(i => Root(parent, i))
            .Where(group => group.Count() > 1)
            .Select(group =>
            {
                var members = group.OrderByDescending(i => (long)images[i].Width * images[i].Height).ThenBy(i => images[i].Id).ToList();
                var first = members[0];
                return new DuplicateGroup(members
                    .Select(i => new DuplicateImage(images[i].Id, images[i].Source, images[i].Width, images[i].Height, i == first ? 0f : Distance(metric, vectors[first], vectors[i])))
                    .ToList());
            })
            .OrderByDescending(group => group.Images.Count)
            .ThenBy(group => group.Images[0].Id)
            .ToList();
        return new DuplicateReport(metric, threshold, maxDistance is null, images.Count, groups);
    }

    /// <summary>The default threshold: <see cref="DefaultCosineDistance"/>, or <see cref="DefaultRelativeDistance"/> × the median norm.</summary>
    public static float DefaultThreshold(IReadOnlyList<StoredVector> images, string metric)
    {
        if (metric == CollectionInfo.Cosine)
        {
            return DefaultCosineDistance;
        }

        if (images.Count == 0)
        {
            return 0;
        }

        var norms = images
            .Select(image => metric == CollectionInfo.L1 ? TensorPrimitives.SumOfMagnitudes(image.Vector) : TensorPrimitives.Norm(image.Vector))
            .Order()
            .ToList();
        return DefaultRelativeDistance * norms[norms.Count / 2];
    }

    /// <summary>Cosine collections hold unit vectors here, so their distance is 1 − dot.</summary>
    private static float Distance(string metric, float[] a, float[] b) =>
        metric == CollectionInfo.Cosine ? 1f - TensorPrimitives.Dot(a, b) : VectorDistance.Compute(metric, a, b);

    /// <summary>
    /// One number per vector and how far apart two duplicates' numbers can be: the sum for L1; otherwise the projection on
    /// the unit mean direction, within the L2 threshold (√(2c) for cosine on unit vectors).
    /// </summary>
    private static (float[] Projections, float Reach) Project(float[][] vectors, string metric, float threshold)
    {
        // A little slack for rounding, so that a pair exactly at the threshold is still compared.
        if (metric == CollectionInfo.L1)
        {
            return (vectors.Select(vector => TensorPrimitives.Sum(vector)).ToArray(), Slack(threshold));
        }

        var direction = new float[vectors.Length == 0 ? 0 : vectors[0].Length];
        foreach (var vector in vectors)
        {
            TensorPrimitives.Add(direction, vector, direction);
        }

        VectorDistance.Normalize(direction);
        var reach = metric == CollectionInfo.Cosine ? MathF.Sqrt(2 * threshold) : threshold;
        return (vectors.Select(vector => TensorPrimitives.Dot(vector, direction)).ToArray(), Slack(reach));
    }

    private static float Slack(float reach) => (reach * 1.0001f) + 1e-6f;

    private static int Root(int[] parent, int i)
    {
        while (parent[i] != i)
        {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }

        return i;
    }
}
