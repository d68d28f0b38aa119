using ImageFinder.Imaging.Interop;

namespace ImageFinder.Imaging;

/// <summary>Checks that libvips can parse an image's header, without decoding its pixels.</summary>
public static class ImageHeader
{
    /// <summary>The size the header declares, after checking it against <paramref name="maxPixels"/>.</summary>
    /// <exception cref="ImageDecodeException">The bytes are empty, not a format libvips reads, or declare too many pixels.</exception>
    public static unsafe ImageSize Read(ReadOnlySpan<byte> encoded, long maxPixels)
    {
        if (encoded.IsEmpty)
        {
            throw new ImageDecodeException(ImageDecodeFailure.Empty, "The file is empty.");
        }

        VipsRuntime.EnsureInitialized();
        fixed (byte* bytes = encoded)
        {
            return Read(bytes, (nuint)encoded.Length, maxPixels);
        }
    }

    /// <summary>The same check on bytes the caller has pinned (libvips points into them while the header is open).</summary>
    internal static unsafe ImageSize Read(byte* bytes, nuint length, long maxPixels)
    {
        using var header = VipsNative.NewFromBuffer(bytes, length);
        if (header.IsInvalid)
        {
            throw new ImageDecodeException(ImageDecodeFailure.UnsupportedFormat, "Not an image format ImageFinder can read: " + VipsNative.TakeError());
        }

        return Check(header, maxPixels);
    }

    /// <summary>The size of an opened image's header, after checking it against <paramref name="maxPixels"/>.</summary>
    internal static ImageSize Check(VipsImageHandle header, long maxPixels)
    {
        var size = new ImageSize(VipsNative.vips_image_get_width(header), VipsNative.vips_image_get_height(header));
        if ((long)size.Width * size.Height > maxPixels)
        {
            throw new ImageDecodeException(
                ImageDecodeFailure.TooManyPixels,
                $"The image declares {size.Width}x{size.Height} pixels, more than the limit of {maxPixels} (ImageFinder:MaxImagePixels).");
        }

        return size;
    }
}
