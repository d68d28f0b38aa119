using System.Numerics.Tensors;
using ImageFinder.Distances;
using ImageFinder.Storage;

namespace ImageFinder.Duplicates;

/// <summary>
/// Groups near-identical images (re-encodes, resizes, light edits), as imagededup does with CNN features: two images are
/// duplicates when their embeddings are within a distance threshold, and groups are the connected sets of such pairs.
/// The comparison is exact and covers every pair (n²/2 distances, computed in cache-sized blocks over the cores),
/// with every vector in memory.
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
    public static async Task<DuplicateReport> FindAsync(IImageStore store, float? maxDistance = null, CancellationToken cancellationToken = default)
    {
        var images = await CollectionVectors.ReadAsync(store, cancellationToken: cancellationToken).ConfigureAwait(false);
        return await Task.Run(() => Find(images, store.Collection.Metric, maxDistance, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    public static DuplicateReport Find(IReadOnlyList<StoredVector> images, string metric, float? maxDistance = null, CancellationToken cancellationToken = default)
    {
        if (maxDistance is { } given && (!float.IsFinite(given) || given < 0))
        {
            throw new ArgumentOutOfRangeException(nameof(maxDistance), given, "The maximum distance must be a finite number, 0 or more.");
        }

        var threshold = maxDistance ?? DefaultThreshold(images, metric);
        var distances = new PairwiseDistances(images.Select(image => image.Vector).ToList(), metric);
        var count = images.Count;
        var blocks = (count + PairwiseDistances.BlockRows - 1) / PairwiseDistances.BlockRows;
        var pairs = new List<(int A, int B)>[blocks];
        Parallel.For(
            0,
            blocks,
            new ParallelOptions { CancellationToken = cancellationToken },
            () => new float[PairwiseDistances.BlockRows * count],
            (block, _, buffer) =>
            {
                var first = block * PairwiseDistances.BlockRows;
                var rows = Math.Min(PairwiseDistances.BlockRows, count - first);
                distances.ComputeBlock(first, rows, buffer, fromColumn: first);
                var found = new List<(int, int)>();
                for (var q = 0; q < rows; q++)
                {
                    for (var j = first + q + 1; j < count; j++)
                    {
                        if (buffer[(q * count) + j] <= threshold)
                        {
                            found.Add((first + q, j));
                        }
                    }
                }

                pairs[block] = found;
                return buffer;
            },
            _ => { });

        var parent = Enumerable.Range(0, count).ToArray();
        foreach (var (a, b) in pairs.SelectMany(found => found))
        {
            parent[Root(parent, a)] = Root(parent, b);
        }

        var groups = Enumerable.Range(0, count)
            .GroupBy(i => Root(parent, i))
            .Where(group => group.Count() > 1)
            .Select(group =>
            {
                var members = group.OrderByDescending(i => (long)images[i].Width * images[i].Height).ThenBy(i => images[i].Id).ToList();
                var first = members[0];
                return new DuplicateGroup(members
                    .Select(i => new DuplicateImage(images[i].Id, images[i].Source, images[i].Width, images[i].Height, i == first ? 0f : distances.Between(first, i)))
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
