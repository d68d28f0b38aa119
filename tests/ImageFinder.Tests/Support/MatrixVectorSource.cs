using ImageFinder.Mapping;

namespace ImageFinder.Tests.Support;

/// <summary>Vectors held in memory (row-major), visited in row order.</summary>
public sealed class MatrixVectorSource(float[] values, int dimension) : IVectorSource
{
    public int Count => values.Length / dimension;

    public int Dimension => dimension;

    public int Passes { get; private set; }

    public void ForEach(VectorVisitor visitor, CancellationToken cancellationToken)
    {
        Passes++;
        for (var row = 0; row < Count; row++)
        {
            visitor(row, values.AsSpan(row * dimension, dimension));
        }
    }

    /// <summary><paramref name="clusters"/> Gaussian blobs of <paramref name="perCluster"/> points, centres far apart; row i belongs to cluster i / perCluster.</summary>
    public static MatrixVectorSource Clusters(int clusters, int perCluster, int dimension, float spread, int seed)
    {
        var random = new Random(seed);
        var values = new float[clusters * perCluster * dimension];
        for (var c = 0; c < clusters; c++)
        {
            var centre = Enumerable.Range(0, dimension).Select(_ => (float)(random.NextDouble() * 20)).ToArray();
            for (var p = 0; p < perCluster; p++)
            {
                var row = ((c * perCluster) + p) * dimension;
                for (var d = 0; d < dimension; d++)
                {
                    values[row + d] = centre[d] + (spread * Gaussian(random));
                }
            }
        }

        return new MatrixVectorSource(values, dimension);
    }

    public static float Gaussian(Random random) =>
        (float)(Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble()));
}
