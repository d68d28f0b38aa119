namespace ImageFinder.Index;

/// <summary>How nearest neighbours are found.</summary>
public enum KnnMode
{
    /// <summary>Exact below <see cref="KnnOptions.ExactMaxVectors"/> images, quantized above.</summary>
    Auto,

    /// <summary>sqlite-vec's exact scan over every float vector, under the collection's metric.</summary>
    Exact,

    /// <summary>Hamming scan over in-memory binary codes, then exact re-ranking of the best candidates under the collection's metric.</summary>
    Quantized,
}
