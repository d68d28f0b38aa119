using System.Numerics.Tensors;
using ImageFinder.Storage;

namespace ImageFinder.Distances;

/// <summary>
/// All-pairs distances for whole-collection analyses, computed in blocks of rows: each stored vector is read once per
/// block of <see cref="BlockRows"/> query rows while it is in cache, instead of once per query, which keeps the n² work
/// bound by arithmetic rather than by memory bandwidth.
/// </summary>
public sealed class PairwiseDistances
{
    /// <summary>Query rows per block (32 rows of 2048 floats: 256 KiB, which stays in a core's L2 cache).</summary>
    public const int BlockRows = 32;

    private readonly float[][] rows;
    private readonly string metric;

    /// <summary>Prepares <paramref name="vectors"/> for <paramref name="metric"/>: a cosine collection's rows are scaled to unit length once.</summary>
    public PairwiseDistances(IReadOnlyList<float[]> vectors, string metric)
    {
        this.metric = metric;
        rows = metric == CollectionInfo.Cosine
            ? vectors.Select(vector =>
            {
                var unit = (float[])vector.Clone();
                VectorDistance.Normalize(unit);
                return unit;
            }).ToArray()
            : vectors.ToArray();
    }

    public int Count => rows.Length;

    /// <summary>
    /// Distances from rows <paramref name="first"/>..first+count−1 to rows <paramref name="fromColumn"/>..Count−1, written to
    /// <paramref name="destination"/>[q × Count + j] (the same metric sqlite-vec uses; cosine distance is 1 − cos).
    /// </summary>
    public void ComputeBlock(int first, int count, float[] destination, int fromColumn = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, count * rows.Length, nameof(destination));
        var scratch = new float[rows.Length == 0 ? 0 : rows[0].Length];
        for (var j = fromColumn; j < rows.Length; j++)
        {
            var column = rows[j];
            for (var q = 0; q < count; q++)
            {
                destination[(q * rows.Length) + j] = Distance(rows[first + q], column, scratch);
            }
        }
    }

    /// <summary>The distance between rows <paramref name="a"/> and <paramref name="b"/>.</summary>
    public float Between(int a, int b) => Distance(rows[a], rows[b], new float[rows[a].Length]);

    private float Distance(float[] a, float[] b, float[] scratch)
    {
        switch (metric)
        {
            case CollectionInfo.L2:
                return TensorPrimitives.Distance(a, b);
            case CollectionInfo.Cosine:
                // The rows are unit vectors.
                return 1f - TensorPrimitives.Dot(a, b);
            case CollectionInfo.L1:
                TensorPrimitives.Subtract(a, b, scratch);
                return TensorPrimitives.SumOfMagnitudes(scratch);
            default:
                throw new InvalidOperationException($"Unknown distance metric '{metric}'.");
        }
    }
}
