using System.Numerics.Tensors;

namespace ImageFinder.Mapping;

/// <summary>
/// Barnes-Hut t-SNE (van der Maaten 2014): input affinities from each point's 3 × perplexity nearest
/// neighbours (exact, brute force), output repulsion approximated by a quadtree/octree (θ = 0.5). It starts
/// from the given initial layout (PCA, scaled to a standard deviation of 1e-4, as Kobak and Berens recommend),
/// uses early exaggeration 12 for 250 iterations, momentum 0.5 then 0.8, per-coordinate gains, and a learning
/// rate of max(200, N/12). Deterministic: no random numbers, and parallel work is summed in a fixed order.
/// </summary>
public static class Tsne
{
    public const double Perplexity = 30;
    public const int Iterations = 1000;
    private const int ExaggerationIterations = 250;
    private const double Exaggeration = 12;
    private const double Theta = 0.5;

    /// <summary>
    /// Lays out <paramref name="n"/> points of <paramref name="inputDims"/> values (row-major <paramref name="data"/>)
    /// in <paramref name="outputDims"/> dimensions, starting from <paramref name="initial"/> (row-major n × outputDims).
    /// </summary>
    public static float[] Embed(float[] data, int n, int inputDims, float[] initial, int outputDims, CancellationToken cancellationToken, int iterations = Iterations)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentOutOfRangeException.ThrowIfLessThan(data.Length, n * inputDims);
        ArgumentOutOfRangeException.ThrowIfLessThan(initial.Length, n * outputDims);
        if (n <= 1)
        {
            return new float[n * outputDims];
        }

        var perplexity = Math.Min(Perplexity, (n - 1) / 3.0);
        var k = Math.Max(1, Math.Min(n - 1, (int)(3 * perplexity)));
        var (neighbours, distances) = NearestNeighbours(data, n, inputDims, k, cancellationToken);
        var conditional = ConditionalAffinities(distances, n, k, perplexity);
        var (rowStarts, columns, values) = Symmetrize(neighbours, conditional, n, k);
        return Optimize(initial, n, outputDims, rowStarts, columns, values, iterations, cancellationToken);
    }

    private static ParallelOptions Parallelism(CancellationToken cancellationToken) =>
        new() { CancellationToken = cancellationToken, MaxDegreeOfParallelism = Environment.ProcessorCount };

    /// <summary>The k nearest other points of every point by squared L2, nearest first (ties by index).</summary>
    private static (int[] Neighbours, float[] Distances) NearestNeighbours(float[] data, int n, int dims, int k, CancellationToken cancellationToken)
    {
        var neighbours = new int[n * k];
        var distances = new float[n * k];
        Parallel.For(0, n, Parallelism(cancellationToken), i =>
        {
            var row = data.AsSpan(i * dims, dims);
            var bestIndex = neighbours.AsSpan(i * k, k);
            var bestDistance = distances.AsSpan(i * k, k);
            var filled = 0;
            for (var j = 0; j < n; j++)
            {
                if (j == i)
                {
                    continue;
                }

                var distance = TensorPrimitives.Distance(row, data.AsSpan(j * dims, dims));
                distance *= distance;
                if (filled == k && distance >= bestDistance[k - 1])
                {
                    continue;
                }

                var position = filled < k ? filled++ : k - 1;
                while (position > 0 && bestDistance[position - 1] > distance)
                {
                    bestDistance[position] = bestDistance[position - 1];
                    bestIndex[position] = bestIndex[position - 1];
                    position--;
                }

                bestDistance[position] = distance;
                bestIndex[position] = j;
            }
        });
        return (neighbours, distances);
    }

    /// <summary>p(j|i) over each point's neighbours, with the Gaussian's precision found by bisection to match the perplexity.</summary>
    private static double[] ConditionalAffinities(float[] distances, int n, int k, double perplexity)
    {
        var affinities = new double[n * k];
        var target = Math.Log(perplexity);
        for (var i = 0; i < n; i++)
        {
            var row = distances.AsSpan(i * k, k);
            var p = affinities.AsSpan(i * k, k);
            double beta = 1, low = double.NegativeInfinity, high = double.PositiveInfinity;
            var nearest = (double)row[0];
            for (var attempt = 0; attempt < 200; attempt++)
            {
                double sum = 0, weighted = 0;
                for (var j = 0; j < k; j++)
                {
                    // Shifted by the nearest distance so that nothing underflows; the shift cancels out.
                    var shifted = row[j] - nearest;
                    p[j] = Math.Exp(-beta * shifted);
                    sum += p[j];
                    weighted += shifted * p[j];
                }

                var entropy = Math.Log(sum) + (beta * weighted / sum);
                var done = Math.Abs(entropy - target) < 1e-5;
                for (var j = 0; j < k; j++)
                {
                    p[j] /= sum;
                }

                if (done)
                {
                    break;
                }

                if (entropy > target)
                {
                    low = beta;
                    beta = double.IsPositiveInfinity(high) ? beta * 2 : (beta + high) / 2;
                }
                else
                {
                    high = beta;
                    beta = double.IsNegativeInfinity(low) ? beta / 2 : (beta + low) / 2;
                }
            }
        }

        return affinities;
    }

    /// <summary>P = (P + Pᵀ) / Σ, as a sparse row-major (CSR) matrix.</summary>
    private static (int[] RowStarts, int[] Columns, double[] Values) Symmetrize(int[] neighbours, double[] conditional, int n, int k)
    {
        var keys = new long[2 * n * k];
        var entries = new double[2 * n * k];
        for (var i = 0; i < n; i++)
        {
            for (var e = 0; e < k; e++)
            {
                var j = neighbours[(i * k) + e];
                var value = conditional[(i * k) + e];
                keys[2 * ((i * k) + e)] = ((long)i * n) + j;
                entries[2 * ((i * k) + e)] = value;
                keys[(2 * ((i * k) + e)) + 1] = ((long)j * n) + i;
                entries[(2 * ((i * k) + e)) + 1] = value;
            }
        }

        Array.Sort(keys, entries);
        var rowStarts = new int[n + 1];
        var columns = new List<int>(keys.Length);
        var values = new List<double>(keys.Length);
        double total = 0;
        for (var e = 0; e < keys.Length; e++)
        {
            if (e > 0 && keys[e] == keys[e - 1])
            {
                values[^1] += entries[e];
            }
            else
            {
                rowStarts[(int)(keys[e] / n) + 1]++;
                columns.Add((int)(keys[e] % n));
                values.Add(entries[e]);
            }

            total += entries[e];
        }

        for (var i = 0; i < n; i++)
        {
            rowStarts[i + 1] += rowStarts[i];
        }

        var normalised = values.ToArray();
        for (var e = 0; e < normalised.Length; e++)
        {
            normalised[e] /= total;
        }

        return (rowStarts, columns.ToArray(), normalised);
    }

    private static float[] Optimize(
        float[] initial, int n, int dims, int[] rowStarts, int[] columns, double[] values, int iterations, CancellationToken cancellationToken)
    {
        var y = new double[n * dims];
        double firstMean = 0, firstSquares = 0;
        for (var i = 0; i < n; i++)
        {
            firstMean += initial[i * dims];
        }

        firstMean /= n;
        for (var i = 0; i < n; i++)
        {
            var centred = initial[i * dims] - firstMean;
            firstSquares += centred * centred;
        }

        var deviation = Math.Sqrt(firstSquares / n);
        var scale = deviation > 0 ? 1e-4 / deviation : 1;
        for (var i = 0; i < n * dims; i++)
        {
            y[i] = initial[i] * scale;
        }

        Recentre(y, n, dims);
        var update = new double[n * dims];
        var gains = new double[n * dims];
        Array.Fill(gains, 1.0);
        var attraction = new double[n * dims];
        var repulsion = new double[n * dims];
        var z = new double[n];
        var learningRate = Math.Max(200, n / 12.0);
        var tree = new SpaceTree(dims);
        var options = Parallelism(cancellationToken);
        for (var iteration = 0; iteration < iterations; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var exaggeration = iteration < ExaggerationIterations ? Exaggeration : 1;
            var momentum = iteration < ExaggerationIterations ? 0.5 : 0.8;
            tree.Build(y, n);
            Parallel.For(0, n, options, i =>
            {
                var point = y.AsSpan(i * dims, dims);
                var push = repulsion.AsSpan(i * dims, dims);
                push.Clear();
                z[i] = tree.Repulsion(point, push, Theta);
                var pull = attraction.AsSpan(i * dims, dims);
                pull.Clear();
                Span<double> difference = stackalloc double[dims];
                for (var e = rowStarts[i]; e < rowStarts[i + 1]; e++)
                {
                    var other = y.AsSpan(columns[e] * dims, dims);
                    double distance = 0;
                    for (var d = 0; d < dims; d++)
                    {
                        difference[d] = point[d] - other[d];
                        distance += difference[d] * difference[d];
                    }

                    var weight = values[e] / (1 + distance);
                    for (var d = 0; d < dims; d++)
                    {
                        pull[d] += weight * difference[d];
                    }
                }
            });

            double totalZ = 0;
            for (var i = 0; i < n; i++)
            {
                totalZ += z[i];
            }

            totalZ = Math.Max(totalZ, double.Epsilon);
            for (var e = 0; e < y.Length; e++)
            {
                var gradient = (exaggeration * attraction[e]) - (repulsion[e] / totalZ);
                gains[e] = Math.Sign(gradient) != Math.Sign(update[e]) ? gains[e] + 0.2 : Math.Max(gains[e] * 0.8, 0.01);
                update[e] = (momentum * update[e]) - (learningRate * gains[e] * gradient);
                y[e] += update[e];
            }

            Recentre(y, n, dims);
        }

        var result = new float[n * dims];
        for (var e = 0; e < result.Length; e++)
        {
            result[e] = (float)y[e];
        }

        return result;
    }

    private static void Recentre(double[] y, int n, int dims)
    {
        for (var d = 0; d < dims; d++)
        {
            double mean = 0;
            for (var i = 0; i < n; i++)
            {
                mean += y[(i * dims) + d];
            }

            mean /= n;
            for (var i = 0; i < n; i++)
            {
                y[(i * dims) + d] -= mean;
            }
        }
    }
}
