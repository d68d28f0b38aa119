using System.Numerics.Tensors;

namespace ImageFinder.Index;

/// <summary>
/// Lloyd's k-means over a sample, for the cells of a <see cref="VectorIndex"/>. Centres start at distinct
/// random sample points (seeded, so a build is repeatable); a centre left empty restarts at a random point.
/// Written here because the .NET ML packages that have k-means (ML.NET) bring a whole framework for a
/// 60-line loop, and its trainer does not take a caller's memory layout.
/// </summary>
public static class KMeans
{
    /// <summary><paramref name="cells"/> centres (row-major) for the <paramref name="count"/> rows of <paramref name="points"/>.</summary>
    public static float[] Train(float[] points, int count, int dimension, int cells, int iterations, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cells, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, cells);
        var random = new Random(seed);
        var centres = new float[cells * dimension];
        var start = Enumerable.Range(0, count).OrderBy(_ => random.Next()).Take(cells).ToArray();
        for (var c = 0; c < cells; c++)
        {
            points.AsSpan(start[c] * dimension, dimension).CopyTo(centres.AsSpan(c * dimension, dimension));
        }

        var assignment = new int[count];
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            var norms = Norms(centres, cells, dimension);
            var changed = 0;
            Parallel.For(0, count, () => 0, (i, _, local) =>
            {
                var nearest = Nearest(points.AsSpan(i * dimension, dimension), centres, norms, dimension);
                if (nearest != assignment[i] || iteration == 0)
                {
                    assignment[i] = nearest;
                    local++;
                }

                return local;
            }, local => Interlocked.Add(ref changed, local));

            var sums = new double[cells * dimension];
            var sizes = new int[cells];
            for (var i = 0; i < count; i++)
            {
                var c = assignment[i];
                sizes[c]++;
                var row = points.AsSpan(i * dimension, dimension);
                var sum = sums.AsSpan(c * dimension, dimension);
                for (var d = 0; d < dimension; d++)
                {
                    sum[d] += row[d];
                }
            }

            for (var c = 0; c < cells; c++)
            {
                var centre = centres.AsSpan(c * dimension, dimension);
                if (sizes[c] == 0)
                {
                    points.AsSpan(random.Next(count) * dimension, dimension).CopyTo(centre);
                    continue;
                }

                var sum = sums.AsSpan(c * dimension, dimension);
                for (var d = 0; d < dimension; d++)
                {
                    centre[d] = (float)(sum[d] / sizes[c]);
                }
            }

            if (iteration > 0 && changed <= count / 1000)
            {
                break;
            }
        }

        return centres;
    }

    /// <summary>Squared norms of the centres, for <see cref="Nearest"/>.</summary>
    public static float[] Norms(float[] centres, int cells, int dimension)
    {
        var norms = new float[cells];
        for (var c = 0; c < cells; c++)
        {
            var centre = centres.AsSpan(c * dimension, dimension);
            norms[c] = TensorPrimitives.Dot(centre, centre);
        }

        return norms;
    }

    /// <summary>The centre nearest to <paramref name="vector"/> by L2 (‖c‖² − 2 v·c, the same order).</summary>
    public static int Nearest(ReadOnlySpan<float> vector, float[] centres, float[] norms, int dimension)
    {
        var best = 0;
        var bestScore = float.PositiveInfinity;
        for (var c = 0; c < norms.Length; c++)
        {
            var score = norms[c] - (2f * TensorPrimitives.Dot(vector, centres.AsSpan(c * dimension, dimension)));
            if (score < bestScore)
            {
                bestScore = score;
                best = c;
            }
        }

        return best;
    }
}
