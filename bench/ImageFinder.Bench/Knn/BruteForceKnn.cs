using System.Numerics.Tensors;

namespace ImageFinder.Bench.Knn;

/// <summary>
/// Exact KNN by scanning every vector in memory on one thread: per row, one vectorised pass of
/// <see cref="TensorPrimitives.Distance(ReadOnlySpan{float}, ReadOnlySpan{float})"/> (L2; the square root, once per
/// row, keeps the order of squared L2), and a k-entry heap. The in-process floor for an exact scan.
/// </summary>
internal sealed class BruteForceKnn
{
    private readonly float[] vectors;
    private readonly int dimension;
    private readonly int count;

    /// <param name="vectors">Row-major, <paramref name="dimension"/> floats per vector; row <c>i</c> has id <c>i + 1</c>.</param>
    /// <param name="dimension">Floats per vector.</param>
    public BruteForceKnn(float[] vectors, int dimension)
    {
        this.vectors = vectors;
        this.dimension = dimension;
        count = vectors.Length / dimension;
    }

    public IReadOnlyList<long> Search(float[] query, int k)
    {
        var top = new TopK(k);
        ReadOnlySpan<float> all = vectors;
        for (var i = 0; i < count; i++)
        {
            var distance = TensorPrimitives.Distance(all.Slice(i * dimension, dimension), query);
            if (distance < top.Threshold)
            {
                top.Offer(distance, i + 1);
            }
        }

        return top.SortedIds();
    }
}
