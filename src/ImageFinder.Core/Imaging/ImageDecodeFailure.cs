namespace ImageFinder.Imaging;

/// <summary>Why an image could not be turned into a model input.</summary>
public enum ImageDecodeFailure
{
    /// <summary>No bytes at all.</summary>
    Empty,

    /// <summary>The bytes are not an image format libvips reads.</summary>
    UnsupportedFormat,

    /// <summary>The header is readable but the image data is broken or truncated.</summary>
    Corrupt,

    /// <summary>The header declares more pixels than the configured limit (a decompression bomb, or just huge).</summary>
    TooManyPixels,

    /// <summary>libvips itself failed (not the input's fault).</summary>
    Internal,
}
