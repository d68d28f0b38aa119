namespace ImageFinder.Index;

/// <summary>How nearest neighbours are found.</summary>
public enum KnnMode
{
    /// <summary>Exact up to <see cref="KnnOptions.ExactMaxVectors"/> images, approximate (inverted file) above.</summary>
    Auto,

    /// <summary>The in-memory index scanned in full: every 8-bit code, then the few candidates its bounds leave re-ranked on their float vectors. The same answers as sqlite-vec's scan.</summary>
    Exact,

    /// <summary>The in-memory index as an inverted file: only the <see cref="KnnOptions.Probes"/> cells nearest to the query are scanned, then re-ranked exactly.</summary>
    Approximate,

    /// <summary>sqlite-vec's own scan over every float vector: no memory besides SQLite's, and the reference the others are tested against.</summary>
    SqliteVec,
}
