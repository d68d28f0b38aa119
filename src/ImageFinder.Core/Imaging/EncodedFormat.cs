namespace ImageFinder.Imaging;

/// <summary>Formats ImageFinder can write (for thumbnails, samples and test fixtures).</summary>
public enum EncodedFormat
{
    Jpeg,
    Png,
    WebP,
    Gif,
    Tiff,
}
