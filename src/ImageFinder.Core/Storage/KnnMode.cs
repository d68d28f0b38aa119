namespace ImageFinder.Storage;

/// <summary>How nearest neighbours are found.</summary>
public enum KnnMode
{
    /// <summary>Exact below <see cref="KnnOptions.ExactMaxVectors"/> images, quantized above.</summary>
    Auto,

    /// <summary>sqlite-vec's exact L2 scan over every float vector.</summary>
    Exact,

    /// <summary>Hamming scan over in-memory binary codes, then exact L2 re-ranking of the best candidates.</summary>
    Quantized,
}
