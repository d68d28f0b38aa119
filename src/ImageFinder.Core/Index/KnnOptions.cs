namespace ImageFinder.Index;

/// <summary>Nearest-neighbour search settings.</summary>
public sealed record KnnOptions
{
    public KnnMode Mode { get; init; } = KnnMode.Auto;

    /// <summary>In <see cref="KnnMode.Auto"/>, collections up to this size are searched exactly.</summary>
    public int ExactMaxVectors { get; init; } = 20_000;

    /// <summary>Candidates the quantized search keeps from the binary-code scan, ranked next on 8-bit vectors.</summary>
    public int CoarseCandidates { get; init; } = 1000;

    /// <summary>Candidates the quantized search re-ranks by the exact metric on the float vectors (at least k).</summary>
    public int RerankCandidates { get; init; } = 50;
}
