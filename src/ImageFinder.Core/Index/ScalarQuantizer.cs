using System.Numerics.Tensors;
using ImageFinder.Storage;

namespace ImageFinder.Index;

/// <summary>
/// 8-bit codes for vectors: value_d ≈ mean_d + scale_d · code_d with code_d in −127..127, the scale mapping
/// mean ± 4 standard deviations of each dimension onto the codes (values beyond are clipped). Every code comes with
/// its residual: the exact distance, in the collection's norm (L1 for an l1 collection, L2 otherwise), between the
/// vector and the code's vector. By the triangle inequality a query's true distance to the vector lies within
/// ± residual of its distance to the code's vector, which is what lets a scan over codes find the exact answer.
/// A cosine collection's codes describe unit-length vectors (there, L2 ranks as cosine distance does).
/// </summary>
public sealed class ScalarQuantizer
{
    public ScalarQuantizer(float[] mean, float[] scale, string metric)
    {
        if (mean.Length != scale.Length)
        {
            throw new ArgumentException("Mean and scale differ in length.");
        }

        Mean = mean;
        Scale = scale;
        Metric = metric;
    }

    public float[] Mean { get; }

    public float[] Scale { get; }

    public string Metric { get; }

    public int Dimension => Mean.Length;

    /// <summary>Fits the mean and scale to <paramref name="sample"/> (vectors as the index stores them: unit length in a cosine collection).</summary>
    public static ScalarQuantizer Fit(IReadOnlyList<float[]> sample, int dimension, string metric)
    {
        var mean = new float[dimension];
        foreach (var vector in sample)
        {
            TensorPrimitives.Add(mean, vector, mean);
        }

        if (sample.Count > 0)
        {
            TensorPrimitives.Divide(mean, sample.Count, mean);
        }

        var variance = new float[dimension];
        var difference = new float[dimension];
        foreach (var vector in sample)
        {
            TensorPrimitives.Subtract(vector, mean, difference);
            TensorPrimitives.MultiplyAdd(difference, difference, variance, variance);
        }

        var scale = new float[dimension];
        for (var d = 0; d < dimension; d++)
        {
            var deviation = sample.Count > 1 ? MathF.Sqrt(variance[d] / (sample.Count - 1)) : 1f;
            scale[d] = MathF.Max(deviation * 4f / 127f, 1e-6f);
        }

        return new ScalarQuantizer(mean, scale, metric);
    }

    /// <summary>Writes the code of <paramref name="vector"/> into <paramref name="code"/> and returns its residual. <paramref name="scratch"/> holds one vector.</summary>
    public float Encode(ReadOnlySpan<float> vector, Span<sbyte> code, Span<float> scratch)
    {
        var q = scratch[..Dimension];
        TensorPrimitives.Subtract(vector, Mean, q);
        TensorPrimitives.Divide(q, Scale, q);
        TensorPrimitives.Round(q, q);
        TensorPrimitives.Clamp(q, -127f, 127f, q);
        TensorPrimitives.ConvertTruncating<float, sbyte>(q, code);
        Decode(code, q);
        TensorPrimitives.Subtract(vector, q, q);
        return Metric == CollectionInfo.L1 ? TensorPrimitives.SumOfMagnitudes(q) : TensorPrimitives.Norm(q);
    }

    /// <summary>The vector a code stands for.</summary>
    public void Decode(ReadOnlySpan<sbyte> code, Span<float> destination)
    {
        TensorPrimitives.ConvertTruncating<sbyte, float>(code, destination);
        TensorPrimitives.MultiplyAdd(destination, Scale, Mean, destination);
    }

    /// <summary><paramref name="query"/> − mean, the form <see cref="Distance"/> takes.</summary>
    public void Centre(ReadOnlySpan<float> query, Span<float> destination) => TensorPrimitives.Subtract(query, Mean, destination);

    /// <summary>The distance (L2, or L1 in an l1 collection) from a centred query to the code's vector.</summary>
    public float Distance(ReadOnlySpan<sbyte> code, ReadOnlySpan<float> centred) =>
        Metric == CollectionInfo.L1 ? ScalarKernels.L1(code, Scale, centred) : MathF.Sqrt(ScalarKernels.SquaredL2(code, Scale, centred));
}
