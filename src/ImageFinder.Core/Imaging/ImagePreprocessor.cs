using ImageFinder.Imaging.Interop;

namespace ImageFinder.Imaging;

/// <summary>
/// Turns encoded image bytes (JPEG, PNG, WebP, GIF, TIFF, HEIF… whatever this libvips build reads) into a
/// normalised CHW float tensor. libvips decodes: header check against the pixel limit, then a lazy pipeline of
/// shrink-on-load (JPEGs are decoded at 1/2, 1/4 or 1/8 size in the DCT domain, as long as the shorter side
/// stays at least <see cref="PreprocessingSpec.ResizeShorterSide"/>), conversion of any colour space (grey,
/// CMYK, 16-bit) to 8-bit sRGB, a box shrink of whatever is still over twice that size, all read top to bottom
/// once, then EXIF auto-rotation of the small result. <see cref="Resampler"/> then resizes, crops, flattens alpha and normalises in one pass, computing
/// only the crop. Thread-safe; call it from many threads.
/// </summary>
public sealed class ImagePreprocessor
{
    /// <summary>Longest side over shortest side above which only the centre square is decoded further.</summary>
    internal const int MaxDirectAspectRatio = 16;

    private readonly PreprocessingSpec spec;
    private readonly long maxPixels;

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
            using var pixels = Decode(bytes, (nuint)encoded.Length, out var size);
            CopyResampled(pixels, destination);
            return size;
        }
    }

    /// <summary>Reads just the header: format and declared size, checked against the pixel limit before any decoding.</summary>
    public ImageSize ReadHeader(ReadOnlySpan<byte> encoded) => ImageHeader.Read(encoded, maxPixels);

    /// <summary>
    /// The largest JPEG shrink-on-load factor (8, 4, 2 or 1) that keeps the shorter side at least
    /// <paramref name="target"/>: the rest of the reduction is left to the resampler, so no detail the model
    /// input would hold is lost.
    /// </summary>
    internal static int JpegShrinkFor(int shorterSide, int target)
    {
        var shrink = 8;
        while (shrink > 1 && shorterSide / shrink < target)
        {
            shrink /= 2;
        }

        return shrink;
    }

    private static unsafe bool IsJpeg(byte* bytes, nuint length) =>
        length >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF;

    /// <summary>
    /// The lazy libvips pipeline, ready to be written to memory: 8-bit sRGB with 3 bands (alpha flattened onto white), its shorter side
    /// between <see cref="PreprocessingSpec.ResizeShorterSide"/> and twice that (or the original, if smaller).
    /// The header is checked against the pixel limit before any pixel is decoded.
    /// </summary>
    private unsafe VipsImageHandle Decode(byte* bytes, nuint length, out ImageSize size)
    {
        var target = spec.ResizeShorterSide;

        // Every step returns a new image that holds a reference to the one before; the chain is released
        // together at the end, whatever step fails.
        var chain = new List<VipsImageHandle>(6);
#pragma warning disable CA2000 // Step puts each new image into 'chain', which the finally block disposes.
        try
        {
            // Opening reads only the header. An image that needs no JPEG shrink is decoded from this same
            // handle; otherwise it is opened again with the shrink.
            var image = VipsNative.NewFromBufferForDecode(bytes, length, jpegShrink: 1);
            if (image.IsInvalid)
            {
                image.Dispose();
                throw new ImageDecodeException(ImageDecodeFailure.UnsupportedFormat, "Not an image format ImageFinder can read: " + VipsNative.TakeError());
            }

            chain.Add(image);
            size = ImageHeader.Check(image, maxPixels);
            var upright = VipsNative.vips_image_get_orientation(image) <= 1;
            var jpegShrink = IsJpeg(bytes, length) ? JpegShrinkFor(Math.Min(size.Width, size.Height), target) : 1;
            if (jpegShrink > 1)
            {
                image = Step(chain, VipsNative.NewFromBufferForDecode(bytes, length, jpegShrink), "The image data could not be decoded");
            }

            var width = VipsNative.vips_image_get_width(image);
            var height = VipsNative.vips_image_get_height(image);
            var shorter = Math.Min(width, height);

            if (Math.Max(width, height) > MaxDirectAspectRatio * (long)shorter)
            {
                // An extreme strip: only its centre square can reach the crop. Cutting it out first keeps every
                // later step small (a 4000x1 strip would otherwise become a 1,024,000x256 resize).
                image = Step(chain, VipsNative.ExtractArea(image, (width - shorter) / 2, (height - shorter) / 2, shorter, shorter), "The image could not be cropped");
            }

            image = Step(chain, ToSrgb8(image), "The image's colours could not be converted to 8-bit sRGB");

            if (VipsNative.vips_image_hasalpha(image) != 0)
            {
                // Flattened before any averaging, so transparent pixels' colours do not bleed into their
                // neighbours (the same as resampling premultiplied colour and alpha, then flattening).
                image = Step(chain, VipsNative.FlattenOntoWhite(image), "The image could not be flattened");
            }

            var boxShrink = shorter / target;
            if (boxShrink >= 2)
            {
                // Still over twice the size (a large non-JPEG, or a JPEG beyond 8x): average blocks, streaming.
                image = Step(chain, VipsNative.Shrink(image, boxShrink), "The image could not be shrunk");
            }

            if (!upright)
            {
                // Rotating reads out of order, which a top-to-bottom decode cannot serve: the image, small by
                // now, is decoded into memory first and turned upright there.
                image = Step(chain, VipsNative.CopyMemory(image), "The image data could not be decoded");
                image = Step(chain, VipsNative.Autorot(image), "The image could not be rotated upright");
            }

            // The caller owns the last image, which keeps the ones before it alive.
            chain.Remove(image);
            return image;
        }
#pragma warning restore CA2000
        finally
        {
            foreach (var handle in chain)
            {
                handle.Dispose();
            }
        }
    }

    private static VipsImageHandle Step(List<VipsImageHandle> chain, VipsImageHandle image, string failure)
    {
        if (image.IsInvalid)
        {
            image.Dispose();
            throw new ImageDecodeException(ImageDecodeFailure.Corrupt, failure + ": " + VipsNative.TakeError());
        }

        chain.Add(image);
        return image;
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

    private unsafe void CopyResampled(VipsImageHandle image, Span<float> destination)
    {
        var width = VipsNative.vips_image_get_width(image);
        var height = VipsNative.vips_image_get_height(image);
        var bands = VipsNative.vips_image_get_bands(image);
        if (bands != 3)
        {
            throw new ImageDecodeException(ImageDecodeFailure.Corrupt, $"After conversion to sRGB and flattening the image has {bands} bands; expected 3 (RGB).");
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

            Resampler.ResizeCropNormalise(new ReadOnlySpan<byte>((void*)pixels, checked((int)byteCount)), width, height, spec, destination);
        }
        finally
        {
            VipsNative.g_free(pixels);
        }
    }
}
