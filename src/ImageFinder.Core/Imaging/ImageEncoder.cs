using ImageFinder.Imaging.Interop;

namespace ImageFinder.Imaging;

/// <summary>Encodes pixels and makes thumbnails with libvips.</summary>
public static class ImageEncoder
{
    /// <summary>Encodes 8-bit interleaved pixels (1 = grey, 2 = grey + alpha, 3 = RGB, 4 = RGBA bands).</summary>
    public static unsafe byte[] Encode(ReadOnlySpan<byte> pixels, int width, int height, int bands, EncodedFormat format, int quality = 90)
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

            return Write(image, format, quality);
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

    private static byte[] Write(VipsImageHandle image, EncodedFormat format, int quality)
    {
        var suffix = format switch
        {
            EncodedFormat.Jpeg => $".jpg[Q={quality}]",
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
