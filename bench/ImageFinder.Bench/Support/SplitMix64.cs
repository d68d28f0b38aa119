namespace ImageFinder.Bench.Support;

/// <summary>
/// A small seedable random generator (SplitMix64). Generated data comes from one stream per row or per
/// image, so it is the same on every run and can be made in parallel.
/// </summary>
internal struct SplitMix64
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    private ulong state;
    private double spare;
    private bool hasSpare;

    public SplitMix64(ulong seed)
    {
        state = seed;
        spare = 0;
        hasSpare = false;
    }

    /// <summary>An independent stream number <paramref name="stream"/> of the generator seeded with <paramref name="seed"/>.</summary>
    public static SplitMix64 Stream(ulong seed, long stream)
    {
        var mixer = new SplitMix64(seed ^ ((ulong)stream * Golden));
        return new SplitMix64(mixer.NextUInt64());
    }

    public ulong NextUInt64()
    {
        var z = state += Golden;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, <paramref name="maxExclusive"/>).</summary>
    public int Next(int maxExclusive) => (int)(NextDouble() * maxExclusive);

    /// <summary>Standard normal (Box-Muller, both values used).</summary>
    public double NextGaussian()
    {
        if (hasSpare)
        {
            hasSpare = false;
            return spare;
        }

        var radius = Math.Sqrt(-2.0 * Math.Log(1.0 - NextDouble()));
        var (sin, cos) = Math.SinCos(2.0 * Math.PI * NextDouble());
        spare = radius * sin;
        hasSpare = true;
        return radius * cos;
    }
}
