using System.Buffers;
using System.Numerics.Tensors;
using ImageFinder.Storage;

namespace ImageFinder.Distances;

/// <summary>The distances of <see cref="CollectionInfo.Metrics"/>, computed as sqlite-vec computes them.</summary>
public static class VectorDistance
{
    /// <summary>The distance between <paramref name="a"/> and <paramref name="b"/> under <paramref name="metric"/>.</summary>
    public static float Compute(string metric, ReadOnlySpan<float> a, ReadOnlySpan<float> b) => metric switch
    {
        CollectionInfo.L2 => TensorPrimitives.Distance(a, b),
        CollectionInfo.Cosine => CosineDistance(a, b),
        CollectionInfo.L1 => ManhattanDistance(a, b),
        _ => throw new ArgumentException($"Unknown distance metric '{metric}'.", nameof(metric)),
    };

    /// <summary>1 − cos(a, b); a zero vector has no direction and is at distance 1 from everything.</summary>
    public static float CosineDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var norms = TensorPrimitives.Norm(a) * TensorPrimitives.Norm(b);
        return norms > 0 ? 1f - (TensorPrimitives.Dot(a, b) / norms) : 1f;
    }

    public static float ManhattanDistance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var rented = a.Length > 1024 ? ArrayPool<float>.Shared.Rent(a.Length) : null;
        var difference = rented is null ? stackalloc float[a.Length] : rented.AsSpan(0, a.Length);
        try
        {
            TensorPrimitives.Subtract(a, b, difference);
            return TensorPrimitives.SumOfMagnitudes(difference);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<float>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Scales <paramref name="vector"/> to unit length in place (a zero vector stays zero).</summary>
    public static void Normalize(Span<float> vector)
    {
        var norm = TensorPrimitives.Norm(vector);
        if (norm > 0)
        {
            TensorPrimitives.Divide(vector, norm, vector);
        }
    }
}
