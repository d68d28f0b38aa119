namespace ImageFinder.Index;

/// <summary>Nearest-neighbour search settings.</summary>
public sealed record KnnOptions
{
    public KnnMode Mode { get; init; } = KnnMode.Auto;

    /// <summary>In <see cref="KnnMode.Auto"/>, collections up to this size are searched exactly.</summary>
    public int ExactMaxVectors { get; init; } = 20_000;

    /// <summary>Cells of the inverted file; 0: about √N, chosen when it is trained.</summary>
    public int Cells { get; init; }

    /// <summary>Cells an approximate search scans (the nearest to the query).</summary>
    public int Probes { get; init; } = 8;

    /// <summary>Most candidates an approximate search re-ranks by the exact metric on the float vectors (at least k).</summary>
    public int RerankCandidates { get; init; } = 32;

    /// <summary>
    /// Most candidates an exact search re-ranks (at least 2k): all candidates the bounds leave are re-ranked up to this,
    /// which makes the answer provably sqlite-vec's; past it (a query in a shell of many near-equidistant images) the
    /// nearest by code distance are. 0: no cap.
    /// </summary>
    public int ExactRerankCandidates { get; init; } = 64;

    /// <summary>Keep the trained index in a file beside the database (<c>&lt;database&gt;.index</c>), so a restart loads it instead of rebuilding.</summary>
    public bool PersistIndex { get; init; } = true;

    /// <summary>The cells to train for <paramref name="count"/> images.</summary>
    public int CellsFor(int count) => Cells > 0 ? Cells : Math.Clamp((int)Math.Round(Math.Sqrt(count)), 1, 1 << 16);
}
