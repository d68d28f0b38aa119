using System.Numerics.Tensors;

namespace ImageFinder.Mapping;

/// <summary>
/// Principal component analysis of a streamed <see cref="IVectorSource"/> by randomized subspace iteration:
/// a seeded random block of <c>components + 10</c> directions is multiplied by the covariance matrix a few
/// times (one pass over the vectors each, never forming the D×D covariance), then a Rayleigh-Ritz step
/// diagonalises the covariance within that subspace. Memory is O(D × components + N × components).
/// </summary>
public static class Pca
{
    private const int Oversampling = 10;
    private const int PowerIterations = 5;

    /// <summary>
    /// The coordinates of every row of <paramref name="source"/> on its first <paramref name="components"/>
    /// principal components (row-major Count × components, largest variance first), and each component's
    /// share of the total variance. Deterministic for a given <paramref name="seed"/> and source.
    /// </summary>
    public static PcaResult Project(IVectorSource source, int components, int seed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(components, 1);
        var n = source.Count;
        var d = source.Dimension;
        if (n == 0)
        {
            return new PcaResult([], components, new float[components]);
        }

        var (mean, totalVariance) = MeanAndVariance(source, cancellationToken);
        var width = Math.Min(components + Oversampling, d);
        var basis = RandomBasis(width, d, seed);
        var product = new float[width * d];
        for (var iteration = 0; iteration < PowerIterations; iteration++)
        {
            MultiplyByCovariance(source, mean, basis, width, product, coordinates: null, cancellationToken);
            (basis, product) = (product, basis);
            Orthonormalize(basis, width, d, seed + iteration + 1);
        }

        // Rayleigh-Ritz: H = Vᵀ C V (width × width); its eigenvectors rotate V onto the principal axes. The same
        // pass records every row's coordinates in the basis V, so the final projection needs no extra pass.
        var inBasis = new float[n * width];
        MultiplyByCovariance(source, mean, basis, width, product, inBasis, cancellationToken);
        var h = new double[width * width];
        for (var i = 0; i < width; i++)
        {
            for (var j = 0; j < width; j++)
            {
                h[(i * width) + j] = TensorPrimitives.Dot(basis.AsSpan(i * d, d), product.AsSpan(j * d, d)) / n;
            }
        }

        for (var i = 0; i < width; i++)
        {
            for (var j = i + 1; j < width; j++)
            {
                var average = (h[(i * width) + j] + h[(j * width) + i]) / 2;
                h[(i * width) + j] = average;
                h[(j * width) + i] = average;
            }
        }

        var (values, vectors) = SymmetricEigen.Decompose(h, width);
        var kept = Math.Min(components, width);
        var rotation = new float[width * components];
        for (var c = 0; c < kept; c++)
        {
            // Sign convention: the component's largest loading (in the original space) is positive.
            double largest = 0;
            for (var j = 0; j < d; j++)
            {
                double loading = 0;
                for (var b = 0; b < width; b++)
                {
                    loading += basis[(b * d) + j] * vectors[(b * width) + c];
                }

                if (Math.Abs(loading) > Math.Abs(largest))
                {
                    largest = loading;
                }
            }

            var sign = largest < 0 ? -1 : 1;
            for (var b = 0; b < width; b++)
            {
                rotation[(b * components) + c] = (float)(sign * vectors[(b * width) + c]);
            }
        }

        var coordinates = new float[n * components];
        for (var row = 0; row < n; row++)
        {
            for (var c = 0; c < kept; c++)
            {
                float value = 0;
                for (var b = 0; b < width; b++)
                {
                    value += inBasis[(row * width) + b] * rotation[(b * components) + c];
                }

                coordinates[(row * components) + c] = value;
            }
        }

        var explained = new float[components];
        for (var c = 0; c < kept; c++)
        {
            explained[c] = totalVariance > 0 ? (float)Math.Clamp(values[c] / totalVariance, 0, 1) : 0;
        }

        return new PcaResult(coordinates, components, explained);
    }

    private static (float[] Mean, double TotalVariance) MeanAndVariance(IVectorSource source, CancellationToken cancellationToken)
    {
        var d = source.Dimension;
        var sum = new double[d];
        double squares = 0;
        source.ForEach(
            (_, vector) =>
            {
                for (var j = 0; j < d; j++)
                {
                    sum[j] += vector[j];
                }

                squares += TensorPrimitives.Dot(vector, vector);
            },
            cancellationToken);
        var n = source.Count;
        var mean = new float[d];
        double meanSquare = 0;
        for (var j = 0; j < d; j++)
        {
            var m = sum[j] / n;
            mean[j] = (float)m;
            meanSquare += m * m;
        }

        // Trace of the covariance: E|x|² − |E x|².
        return (mean, Math.Max(0, (squares / n) - meanSquare));
    }

    /// <summary>product = C · basis (rows are directions), with C = Σ (x − μ)(x − μ)ᵀ; optionally records (x − μ)·basis per row.</summary>
    private static void MultiplyByCovariance(
        IVectorSource source, float[] mean, float[] basis, int width, float[] product, float[]? coordinates, CancellationToken cancellationToken)
    {
        var d = source.Dimension;
        Array.Clear(product);
        var centred = new float[d];
        var weights = new float[width];
        source.ForEach(
            (row, vector) =>
            {
                TensorPrimitives.Subtract(vector, mean, centred);
                for (var b = 0; b < width; b++)
                {
                    weights[b] = TensorPrimitives.Dot(centred, basis.AsSpan(b * d, d));
                }

                for (var b = 0; b < width; b++)
                {
                    var target = product.AsSpan(b * d, d);
                    TensorPrimitives.MultiplyAdd(centred, weights[b], target, target);
                }

                if (coordinates is not null)
                {
                    weights.CopyTo(coordinates.AsSpan(row * width, width));
                }
            },
            cancellationToken);
    }

    private static float[] RandomBasis(int width, int d, int seed)
    {
        var random = new Random(seed);
        var basis = new float[width * d];
        for (var i = 0; i < basis.Length; i++)
        {
            basis[i] = (float)Gaussian(random);
        }

        Orthonormalize(basis, width, d, seed);
        return basis;
    }

    /// <summary>Modified Gram-Schmidt, twice; a direction that vanishes (rank below width) is replaced by a random one.</summary>
    private static void Orthonormalize(float[] rows, int width, int d, int seed)
    {
        Random? random = null;
        for (var i = 0; i < width; i++)
        {
            var row = rows.AsSpan(i * d, d);
            var original = TensorPrimitives.Norm(row);
            for (var attempt = 0; ; attempt++)
            {
                for (var repeat = 0; repeat < 2; repeat++)
                {
                    for (var j = 0; j < i; j++)
                    {
                        var other = rows.AsSpan(j * d, d);
                        TensorPrimitives.MultiplyAdd(other, -TensorPrimitives.Dot(row, other), row, row);
                    }
                }

                var norm = TensorPrimitives.Norm(row);
                if (norm > 1e-5f * Math.Max(original, 1e-30f) && norm > 0)
                {
                    TensorPrimitives.Divide(row, norm, row);
                    break;
                }

                if (attempt > 3)
                {
                    throw new InvalidOperationException("Could not build an orthonormal basis.");
                }

                random ??= new Random(seed ^ 0x5bd1e995);
                for (var k = 0; k < d; k++)
                {
                    row[k] = (float)Gaussian(random);
                }

                original = TensorPrimitives.Norm(row);
            }
        }
    }

    private static double Gaussian(Random random)
    {
        // Box-Muller.
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
