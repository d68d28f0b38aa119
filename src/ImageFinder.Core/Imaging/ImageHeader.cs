using NetVips;

namespace ImageFinder.Imaging;

/// <summary>Checks that libvips can parse an image's header, without decoding its pixels.</summary>
public static class ImageHeader
{
    /// <summary>What a client is told when no loader takes the bytes.</summary>
    internal const string UnsupportedMessage = "Not an image format ImageFinder can read (JPEG, PNG, WebP, GIF, TIFF, HEIF/AVIF, SVG).";

    /// <summary>The size the header declares, after checking it against <paramref name="maxPixels"/>.</summary>
    /// <exception cref="ImageDecodeException">The bytes are empty, not a format libvips reads, or declare too many pixels.</exception>
    public static ImageSize Read(byte[] encoded, long maxPixels)
    {
        if (encoded.Length == 0)
        {
            throw new ImageDecodeException(ImageDecodeFailure.Empty, "The file is empty.");
        }

        using var header = Open(encoded, string.Empty);
        return Check(header, maxPixels);
    }

    /// <summary>Opens <paramref name="encoded"/> lazily (header only) with loader <paramref name="options"/>.</summary>
    /// <exception cref="ImageDecodeException">No loader takes the bytes, or the header is unreadable.</exception>
    internal static Image Open(byte[] encoded, string options)
    {
        Libvips.EnsureInitialized();
        try
        {
            return Image.NewFromBuffer(encoded, options);
        }
        catch (VipsException e)
        {
            throw new ImageDecodeException(ImageDecodeFailure.UnsupportedFormat, UnsupportedMessage, e.Message);
        }
    }

    /// <summary>The size of an opened image's header, after checking it against <paramref name="maxPixels"/>.</summary>
    internal static ImageSize Check(Image header, long maxPixels)
    {
        var size = new ImageSize(header.Width, header.Height);
        if ((long)size.Width * size.Height > maxPixels)
        {
            throw new ImageDecodeException(
                ImageDecodeFailure.TooManyPixels,
                $"The image declares {size.Width}x{size.Height} pixels, more than the limit of {maxPixels} (ImageFinder:MaxImagePixels).");
        }

        return size;
    }
}
