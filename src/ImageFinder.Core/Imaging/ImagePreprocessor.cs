using ImageFinder.Imaging.Interop;

namespace ImageFinder.Imaging;

/// <summary>
/// Turns encoded image bytes (JPEG, PNG, WebP, GIF, TIFF, BMP, HEIF… whatever libvips reads) into a
/// normalised CHW float tensor. libvips does the heavy part in one lazy pipeline: header check against the
/// pixel limit, shrink-on-load decode, EXIF auto-rotation, resize so the shorter side is
/// <see cref="PreprocessingSpec.ResizeShorterSide"/> with a centred square crop, and conversion of any
/// colour space (grey, CMYK, 16-bit) to 8-bit sRGB. The final centre crop, alpha flattening (onto white) and
/// normalisation happen here in one pass through a lookup table. Thread-safe; call it from many threads.
/// </summary>
public sealed class ImagePreprocessor
{
    /// <summary>Longest side over shortest side above which the centre square is cut out before resizing.</summary>
    internal const int MaxDirectAspectRatio = 16;

    private readonly PreprocessingSpec spec;
    private readonly long maxPixels;
    private readonly float[] lookup;

    public ImagePreprocessor(PreprocessingSpec spec, long maxPixels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(spec.CropSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(spec.ResizeShorterSide, spec.CropSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPixels, 1);
        if (spec.Mean.Length != 3 || spec.Std.Length != 3 || spec.Std.Any(s => s <= 0))
        {
            throw new ArgumentException("Mean and Std need three values each, with Std > 0.", nameof(spec));
        }

        this.spec = spec;
        this.maxPixels = maxPixels;
        lookup = new float[3 * 256];
        for (var c = 0; c < 3; c++)
        {
            for (var v = 0; v < 256; v++)
            {
                lookup[(c * 256) + v] = ((v / 255f) - spec.Mean[c]) / spec.Std[c];
            }
        }

        VipsRuntime.EnsureInitialized();
    }

    public PreprocessingSpec Spec => spec;

    /// <summary>Decodes <paramref name="encoded"/> and writes its tensor into <paramref name="destination"/>.</summary>
    /// <returns>The image's size as declared by its header.</returns>
    /// <exception cref="ImageDecodeException">The bytes are empty, not an image, corrupt, or too large.</exception>
    public unsafe ImageSize Prepare(ReadOnlySpan<byte> encoded, Span<float> destination)
    {
        if (destination.Length != spec.TensorLength)
        {
            throw new ArgumentException($"Destination must hold {spec.TensorLength} floats.", nameof(destination));
        }

        if (encoded.IsEmpty)
        {
            throw new ImageDecodeException(ImageDecodeFailure.Empty, "The file is empty.");
        }

        fixed (byte* bytes = encoded)
        {
            var length = (nuint)encoded.Length;
            var size = ImageHeader.Read(bytes, length, maxPixels);

            using var thumbnail = IsExtreme(size)
                ? CentreSquareThumbnail(bytes, length, size)
                : VipsNative.ThumbnailBuffer(bytes, length, spec.ResizeShorterSide);
            if (thumbnail.IsInvalid)
            {
                throw new ImageDecodeException(ImageDecodeFailure.Corrupt, "The image data could not be decoded: " + VipsNative.TakeError());
            }

            using var srgb = ToSrgb8(thumbnail);
            CopyNormalised(srgb, destination);
            return size;
        }
    }

    /// <summary>Reads just the header: format and declared size, checked against the pixel limit before any decoding.</summary>
    public ImageSize ReadHeader(ReadOnlySpan<byte> encoded) => ImageHeader.Read(encoded, maxPixels);

    /// <summary>
    /// True when resizing the whole image before cropping would be costly: libvips computes full-width lines of
    /// the resized image, so a 4000x1 strip scaled to a shorter side of 256 would be a billion-pixel line cache
    /// for a 4000-pixel file. Up to this ratio that intermediate stays small and shrink-on-load is kept.
    /// </summary>
    private static bool IsExtreme(ImageSize size) =>
        Math.Max(size.Width, size.Height) > MaxDirectAspectRatio * (long)Math.Min(size.Width, size.Height);

    /// <summary>
    /// The same result as resize-then-centre-crop, in the cheap order: the centre square of the original (its
    /// shorter side squared) is cut out first, then resized. Only the crop is ever resized.
    /// </summary>
    private unsafe VipsImageHandle CentreSquareThumbnail(byte* bytes, nuint length, ImageSize size)
    {
        using var image = VipsNative.NewFromBufferSequential(bytes, length);
        if (image.IsInvalid)
        {
            return image;
        }

        var side = Math.Min(size.Width, size.Height);
        using var square = VipsNative.ExtractArea(image, (size.Width - side) / 2, (size.Height - side) / 2, side, side);
        return square.IsInvalid ? new VipsImageHandle(IntPtr.Zero) : VipsNative.ThumbnailImage(square, spec.ResizeShorterSide);
    }

    private static VipsImageHandle ToSrgb8(VipsImageHandle image)
    {
        var srgb = VipsNative.Colourspace(image, VipsNative.InterpretationSrgb);
        if (srgb.IsInvalid)
        {
            throw new ImageDecodeException(ImageDecodeFailure.Corrupt, "The image's colours could not be converted to sRGB: " + VipsNative.TakeError());
        }

        if (VipsNative.vips_image_get_format(srgb) == VipsNative.FormatUChar)
        {
            return srgb;
        }

        using (srgb)
        {
            var cast = VipsNative.Cast(srgb, VipsNative.FormatUChar);
            if (cast.IsInvalid)
            {
                cast.Dispose();
                throw new ImageDecodeException(ImageDecodeFailure.Corrupt, "The image could not be converted to 8 bits: " + VipsNative.TakeError());
            }

            return cast;
        }
    }

    private unsafe void CopyNormalised(VipsImageHandle image, Span<float> destination)
    {
        var width = VipsNative.vips_image_get_width(image);
        var height = VipsNative.vips_image_get_height(image);
        var bands = VipsNative.vips_image_get_bands(image);
        if (bands is not (3 or 4))
        {
            throw new ImageDecodeException(ImageDecodeFailure.Corrupt, $"After conversion to sRGB the image has {bands} bands; expected 3 (RGB) or 4 (RGBA).");
        }

        var crop = spec.CropSize;
        if (width < crop || height < crop)
        {
            throw new ImageDecodeException(ImageDecodeFailure.Internal, $"libvips produced a {width}x{height} thumbnail, smaller than the {crop}x{crop} crop.");
        }

        // Decoding happens here: everything before was a lazy pipeline description.
        var pixels = VipsNative.vips_image_write_to_memory(image, out var byteCount);
        if (pixels == IntPtr.Zero)
        {
            throw new ImageDecodeException(ImageDecodeFailure.Corrupt, "The image data could not be decoded: " + VipsNative.TakeError());
        }

        try
        {
            if (byteCount != (nuint)((long)width * height * bands))
            {
                throw new ImageDecodeException(ImageDecodeFailure.Internal, "libvips returned an unexpected pixel buffer size.");
            }

            var left = (width - crop) / 2;
            var top = (height - crop) / 2;
            var source = new ReadOnlySpan<byte>((void*)pixels, (int)byteCount);
            var plane = crop * crop;
            var red = destination[..plane];
            var green = destination.Slice(plane, plane);
            var blue = destination.Slice(2 * plane, plane);
            ReadOnlySpan<float> table = lookup;

            for (var y = 0; y < crop; y++)
            {
                var row = source.Slice((((top + y) * width) + left) * bands, crop * bands);
                var outRow = y * crop;
                for (var x = 0; x < crop; x++)
                {
                    var p = row.Slice(x * bands, bands);
                    int r = p[0], g = p[1], b = p[2];
                    if (bands == 4)
                    {
                        // Flatten onto white: c' = c·a + 255·(1 − a), with a in [0, 255].
                        int a = p[3], inverse = 255 - a;
                        r = ((r * a) + (255 * inverse) + 127) / 255;
                        g = ((g * a) + (255 * inverse) + 127) / 255;
                        b = ((b * a) + (255 * inverse) + 127) / 255;
                    }

                    red[outRow + x] = table[r];
                    green[outRow + x] = table[256 + g];
                    blue[outRow + x] = table[512 + b];
                }
            }
        }
        finally
        {
            VipsNative.g_free(pixels);
        }
    }
}
