using ImageFinder.Imaging.Interop;

namespace ImageFinder.Imaging;

/// <summary>Encodes pixels and makes thumbnails with libvips.</summary>
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

    private static unsafe byte[] Encode(
        ReadOnlySpan<byte> pixels, int width, int height, int bands, EncodedFormat format, int quality, int? exifOrientation, bool cmyk, bool subsampleChroma)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (bands is < 1 or > 4 || pixels.Length != (long)width * height * bands)
        {
            throw new ArgumentException($"Expected {width}x{height}x{bands} bytes of pixels.", nameof(pixels));
        }

        VipsRuntime.EnsureInitialized();
        fixed (byte* data = pixels)
        {
            using var image = new VipsImageHandle(VipsNative.vips_image_new_from_memory_copy(data, (nuint)pixels.Length, width, height, bands, VipsNative.FormatUChar));
            if (image.IsInvalid)
            {
                throw new ImageDecodeException(ImageDecodeFailure.Internal, "libvips could not wrap the pixels: " + VipsNative.TakeError());
            }

            if (cmyk && bands != 4)
            {
                throw new ArgumentException("CMYK pixels need 4 bands.", nameof(bands));
            }

            using var tagged = cmyk ? VipsNative.CopyAs(image, VipsNative.InterpretationCmyk) : VipsNative.CopyAs(image, VipsNative.vips_image_guess_interpretation(image));
            if (tagged.IsInvalid)
            {
                throw new ImageDecodeException(ImageDecodeFailure.Internal, "libvips could not tag the pixels: " + VipsNative.TakeError());
            }

            if (exifOrientation is { } orientation)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(orientation, 1);
                ArgumentOutOfRangeException.ThrowIfGreaterThan(orientation, 8);
                VipsNative.vips_image_set_int(tagged, "orientation", orientation);
            }

            return Write(tagged, format, quality, subsampleChroma);
        }
    }

    /// <summary>Decodes <paramref name="encoded"/> and re-encodes it to fit inside <paramref name="maxSide"/>² pixels.</summary>
    public static unsafe byte[] Thumbnail(ReadOnlySpan<byte> encoded, int maxSide, EncodedFormat format, int quality = 85)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSide, 1);
        if (encoded.IsEmpty)
        {
            throw new ImageDecodeException(ImageDecodeFailure.Empty, "The file is empty.");
        }

        VipsRuntime.EnsureInitialized();
        fixed (byte* bytes = encoded)
        {
            using var thumbnail = VipsNative.ThumbnailFitBuffer(bytes, (nuint)encoded.Length, maxSide);
            if (thumbnail.IsInvalid)
            {
                throw new ImageDecodeException(ImageDecodeFailure.Corrupt, "The image could not be decoded: " + VipsNative.TakeError());
            }

            return Write(thumbnail, format, quality);
        }
    }

    private static byte[] Write(VipsImageHandle image, EncodedFormat format, int quality, bool subsampleChroma = false)
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
        return VipsNative.WriteToBuffer(image, suffix)
            ?? throw new ImageDecodeException(ImageDecodeFailure.Internal, $"libvips could not encode {format}: " + VipsNative.TakeError());
    }
}
