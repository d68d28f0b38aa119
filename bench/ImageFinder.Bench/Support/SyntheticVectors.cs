namespace ImageFinder.Bench.Support;

/// <summary>
/// Clustered, non-negative 2048-d vectors shaped like pooled ResNet features (ReLU outputs): 1000 cluster
/// centres, each coordinate max(0, N(0,1)) · 0.8; a stored vector is max(0, its centre + N(0, 0.3²)) per
/// coordinate, its cluster drawn at random. A query is a stored vector plus N(0, 0.05²) noise, clipped at 0,
/// so its true nearest neighbour is usually its source and the rest are cluster mates. Row <c>i</c> comes from
/// its own random stream: the same on every run, and computable alone.
/// </summary>
internal sealed class SyntheticVectors
{
    public const int Dimension = 2048;
    public const int Clusters = 1000;

    private const ulong CentreSeed = 0xC1u;
    private const ulong RowSeed = 0x5EEDu;
    private const ulong QuerySeed = 0x9E4u;
    private const float CentreScale = 0.8f;
    private const float RowNoise = 0.3f;
    private const float QueryNoise = 0.05f;

    private readonly float[] centres = new float[Clusters * Dimension];

    public SyntheticVectors()
    {
        for (var c = 0; c < Clusters; c++)
        {
            var random = SplitMix64.Stream(CentreSeed, c);
            var centre = centres.AsSpan(c * Dimension, Dimension);
            for (var d = 0; d < Dimension; d++)
            {
                centre[d] = MathF.Max(0, (float)random.NextGaussian()) * CentreScale;
            }
        }
    }

    /// <summary>Writes stored vector number <paramref name="index"/> (0-based) into <paramref name="destination"/>.</summary>
    public void WriteRow(long index, Span<float> destination)
    {
        var random = SplitMix64.Stream(RowSeed, index);
        var centre = centres.AsSpan(random.Next(Clusters) * Dimension, Dimension);
        for (var d = 0; d < Dimension; d++)
        {
            destination[d] = MathF.Max(0, centre[d] + ((float)random.NextGaussian() * RowNoise));
        }
    }

    public float[] Row(long index)
    {
        var row = new float[Dimension];
        WriteRow(index, row);
        return row;
    }

    /// <summary>The first <paramref name="count"/> stored vectors, contiguous (row-major), made in parallel.</summary>
    public float[] Rows(int count)
    {
        var data = GC.AllocateUninitializedArray<float>(checked(count * Dimension));
        Parallel.For(0, count, i => WriteRow(i, data.AsSpan(i * Dimension, Dimension)));
        return data;
    }

    /// <summary>Query number <paramref name="number"/> for a collection of <paramref name="count"/>: a perturbed copy of a random stored vector.</summary>
    public float[] Query(int number, int count)
    {
        var random = SplitMix64.Stream(QuerySeed, number);
        var query = Row(random.Next(count));
        for (var d = 0; d < Dimension; d++)
        {
            query[d] = MathF.Max(0, query[d] + ((float)random.NextGaussian() * QueryNoise));
        }

        return query;
    }
}
