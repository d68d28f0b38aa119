using NetVips;

namespace ImageFinder.Imaging;

/// <summary>Encodes pixels and makes thumbnails with libvips (through NetVips).</summary>
public static class ImageEncoder
{
    /// <summary>Encodes 8-bit interleaved pixels (1 = grey, 2 = grey + alpha, 3 = RGB, 4 = RGBA bands).</summary>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, int bands, EncodedFormat format, int quality = 90) =>
        Encode(pixels, width, height, bands, format, quality, exifOrientation: null, cmyk: false);

    /// <summary>
    /// Encodes 8-bit interleaved pixels, optionally tagging an EXIF orientation (1..8) or declaring 4-band
    /// pixels to be CMYK (JPEG and TIFF keep both), as cameras and print workflows write them.
    /// </summary>
    public static byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, int bands, EncodedFormat format, int quality, int? exifOrientation, bool cmyk) =>
        Encode(pixels, width, height, bands, format, quality, exifOrientation, cmyk, subsampleChroma: false);

    /// <summary>
    /// RGB pixels as a JPEG with 4:2:0 chroma subsampling at any quality, as cameras and phones write them
    /// (libvips on its own keeps full-resolution chroma from quality 90 up).
    /// </summary>
    internal static byte[] EncodeSubsampledJpeg(ReadOnlySpan<byte> rgb, int width, int height, int quality) =>
        Encode(rgb, width, height, 3, EncodedFormat.Jpeg, quality, exifOrientation: null, cmyk: false, subsampleChroma: true);

    /// <summary>
    /// Decodes <paramref name="encoded"/> and re-encodes it to fit inside <paramref name="maxSide"/>² pixels, after
    /// checking its header against <paramref name="maxPixels"/> (shrink-on-load keeps the decode itself small).
    /// </summary>
    /// <exception cref="ImageDecodeException">The bytes are empty, not an image, corrupt, or declare too many pixels.</exception>
    public static byte[] Thumbnail(byte[] encoded, int maxSide, EncodedFormat format, int quality = 85, long maxPixels = long.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSide, 1);
        ImageHeader.Read(encoded, maxPixels);
        Image thumbnail;
        try
        {
            thumbnail = Image.ThumbnailBuffer(encoded, maxSide, optionString: "fail_on=error", height: maxSide);
        }
        catch (VipsException e)
        {
            throw new ImageDecodeException(ImageDecodeFailure.Corrupt, "The image data could not be decoded.", e.Message);
        }

        using (thumbnail)
        {
            return Write(thumbnail, format, quality);
        }
    }

    private static byte[] Encode(
        ReadOnlySpan<byte> pixels, int width, int height, int bands, EncodedFormat format, int quality, int? exifOrientation, bool cmyk, bool subsampleChroma)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (bands is < 1 or > 4 || pixels.Length != (long)width * height * bands)
        {
            throw new ArgumentException($"Expected {width}x{height}x{bands} bytes of pixels.", nameof(pixels));
        }

        if (cmyk && bands != 4)
        {
            throw new ArgumentException("CMYK pixels need 4 bands.", nameof(bands));
        }

        if (exifOrientation is { } orientation)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(orientation, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(orientation, 8);
        }

        Libvips.EnsureInitialized();
        var interpretation = cmyk ? Enums.Interpretation.Cmyk : bands <= 2 ? Enums.Interpretation.Bw : Enums.Interpretation.Srgb;
        using var image = Image.NewFromMemoryCopy(pixels, width, height, bands, Enums.BandFormat.Uchar);
        using var tagged = image.Copy(interpretation: interpretation);
        using var oriented = exifOrientation is { } value ? tagged.Mutate(m => m.Set(GValue.GIntType, "orientation", value)) : tagged.Copy();
        return Write(oriented, format, quality, subsampleChroma);
    }

    private static byte[] Write(Image image, EncodedFormat format, int quality, bool subsampleChroma = false)
    {
        var suffix = format switch
        {
            EncodedFormat.Jpeg => subsampleChroma ? $".jpg[Q={quality},subsample_mode=on]" : $".jpg[Q={quality}]",
            EncodedFormat.Png => ".png",
            EncodedFormat.WebP => $".webp[Q={quality}]",
            EncodedFormat.Gif => ".gif",
            EncodedFormat.Tiff => ".tif",
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };

        try
        {
            return image.WriteToBuffer(suffix);
        }
        catch (VipsException e)
        {
            throw new ImageDecodeException(ImageDecodeFailure.Internal, $"The image could not be encoded as {format}.", e.Message);
        }
    }
}
