using System.Diagnostics;
using System.Runtime.InteropServices;
using NetVips;

namespace ImageFinder.Imaging;

/// <summary>
/// Turns encoded image bytes (JPEG, PNG, WebP, GIF, TIFF, HEIF… whatever this libvips build reads) into a
/// normalised CHW float tensor. libvips decodes (through NetVips, which owns every native image and buffer): header check against the pixel limit, then a lazy pipeline of
/// shrink-on-load (JPEGs are decoded at 1/2, 1/4 or 1/8 size in the DCT domain, as long as the shorter side
/// stays at least <see cref="PreprocessingSpec.ResizeShorterSide"/>), conversion of any colour space (grey,
/// CMYK, 16-bit) to 8-bit sRGB, a box shrink of whatever is still over twice that size, all read top to bottom
/// once, then EXIF auto-rotation of the small result. <see cref="Resampler"/> then resizes, crops, flattens alpha and normalises in one pass, computing
/// only the crop. Each call's time and outcome is measured by <see cref="DecodeMetrics"/>. Thread-safe; call it from many threads.
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
        Libvips.EnsureInitialized();
    }

    public PreprocessingSpec Spec => spec;

    /// <summary>Decodes <paramref name="encoded"/> and writes its tensor into <paramref name="destination"/>.</summary>
    /// <returns>The image's size as declared by its header.</returns>
    /// <exception cref="ImageDecodeException">The bytes are empty, not an image, corrupt, or too large.</exception>
    public ImageSize Prepare(ReadOnlyMemory<byte> encoded, Span<float> destination)
    {
        if (destination.Length != spec.TensorLength)
        {
            throw new ArgumentException($"Destination must hold {spec.TensorLength} floats.", nameof(destination));
        }

        var started = Stopwatch.GetTimestamp();
        var chain = new List<Image>(8);
        try
        {
            if (encoded.IsEmpty)
            {
                throw new ImageDecodeException(ImageDecodeFailure.Empty, "The file is empty.");
            }

            var pixels = Decode(AsArray(encoded), chain, out var size);
            CopyResampled(pixels, destination);
            DecodeMetrics.Decoded(Stopwatch.GetElapsedTime(started).TotalSeconds, null);
            return size;
        }
        catch (ImageDecodeException e)
        {
            DecodeMetrics.Decoded(Stopwatch.GetElapsedTime(started).TotalSeconds, e.Failure);
            throw;
        }
        finally
        {
            // Every step is a new image holding a reference to the one before; they go together, whatever failed.
            foreach (var image in chain)
            {
                image.Dispose();
            }
        }
    }

    /// <summary>Reads just the header: format and declared size, checked against the pixel limit before any decoding.</summary>
    public ImageSize ReadHeader(ReadOnlyMemory<byte> encoded) => ImageHeader.Read(AsArray(encoded), maxPixels);

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

    /// <summary>The bytes as one array without a copy when they are a whole array already (libvips' loaders take arrays).</summary>
    internal static byte[] AsArray(ReadOnlyMemory<byte> encoded) =>
        MemoryMarshal.TryGetArray(encoded, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : encoded.ToArray();

    /// <summary>Loader options for one top-to-bottom decode that fails on truncated or broken data; <c>shrink</c> (JPEG only) decodes at that fraction in the DCT domain.</summary>
    private static string DecodeOptions(int jpegShrink) =>
        jpegShrink > 1 ? $"access=sequential,fail_on=error,shrink={jpegShrink}" : "access=sequential,fail_on=error";

    private static bool IsJpeg(byte[] bytes) =>
        bytes.Length >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF;

    private static int Orientation(Image image) =>
        image.GetTypeOf("orientation") != IntPtr.Zero && image.Get("orientation") is int orientation ? orientation : 1;

    /// <summary>Runs one step of the lazy pipeline, adding its image to <paramref name="chain"/>; a libvips failure becomes our own reason.</summary>
    private static Image Step(List<Image> chain, Func<Image> step, string failure)
    {
        Image image;
        try
        {
            image = step();
        }
        catch (VipsException e)
        {
            throw new ImageDecodeException(ImageDecodeFailure.Corrupt, failure + ".", e.Message);
        }

        chain.Add(image);
        return image;
    }

    /// <summary>
    /// The lazy libvips pipeline, ready to be written to memory: 8-bit sRGB with 3 bands (alpha flattened onto white), its shorter side
    /// between <see cref="PreprocessingSpec.ResizeShorterSide"/> and twice that (or the original, if smaller).
    /// The header is checked against the pixel limit before any pixel is decoded.
    /// </summary>
    private Image Decode(byte[] bytes, List<Image> chain, out ImageSize size)
    {
        var target = spec.ResizeShorterSide;

        // Opening reads only the header. An image that needs no JPEG shrink is decoded from this same image;
        // otherwise it is opened again with the shrink.
        var image = ImageHeader.Open(bytes, DecodeOptions(1));
        chain.Add(image);
        size = ImageHeader.Check(image, maxPixels);
        var upright = Orientation(image) <= 1;
        var jpegShrink = IsJpeg(bytes) ? JpegShrinkFor(Math.Min(size.Width, size.Height), target) : 1;
        if (jpegShrink > 1)
        {
            image = Step(chain, () => Image.NewFromBuffer(bytes, DecodeOptions(jpegShrink)), "The image data could not be decoded");
        }

        var width = image.Width;
        var height = image.Height;
        var shorter = Math.Min(width, height);
        if (Math.Max(width, height) > MaxDirectAspectRatio * (long)shorter)
        {
            // An extreme strip: only its centre square can reach the crop. Cutting it out first keeps every
            // later step small (a 4000x1 strip would otherwise become a 1,024,000x256 resize).
            var source = image;
            image = Step(chain, () => source.ExtractArea((width - shorter) / 2, (height - shorter) / 2, shorter, shorter), "The image could not be cropped");
        }

        var colour = image;
        image = Step(chain, () => colour.Colourspace(Enums.Interpretation.Srgb), "The image's colours could not be converted to sRGB");
        if (image.Format != Enums.BandFormat.Uchar)
        {
            var wide = image;
            image = Step(chain, () => wide.Cast(Enums.BandFormat.Uchar), "The image could not be converted to 8 bits");
        }

        if (image.HasAlpha())
        {
            // Flattened before any averaging, so transparent pixels' colours do not bleed into their
            // neighbours (the same as resampling premultiplied colour and alpha, then flattening).
            var transparent = image;
            image = Step(chain, () => transparent.Flatten(background: [255, 255, 255]), "The image could not be flattened");
        }

        var boxShrink = shorter / target;
        if (boxShrink >= 2)
        {
            // Still over twice the size (a large non-JPEG, or a JPEG beyond 8x): average blocks, streaming.
            var large = image;
            image = Step(chain, () => large.Shrink(boxShrink, boxShrink), "The image could not be shrunk");
        }

        if (!upright)
        {
            // Rotating reads out of order, which a top-to-bottom decode cannot serve: the image, small by
            // now, is decoded into memory first and turned upright there.
            var sideways = image;
            image = Step(chain, sideways.CopyMemory, "The image data could not be decoded");
            var decoded = image;
            image = Step(chain, decoded.Autorot, "The image could not be rotated upright");
        }

        return image;
    }

    private void CopyResampled(Image image, Span<float> destination)
    {
        var (width, height, bands) = (image.Width, image.Height, image.Bands);
        if (bands != 3)
        {
            throw new ImageDecodeException(ImageDecodeFailure.Corrupt, $"After conversion to sRGB and flattening the image has {bands} bands; expected 3 (RGB).");
        }

        // Decoding happens here: everything before was a lazy pipeline description. The pixels land in one
        // libvips buffer that is read in place and freed at once.
        IntPtr pixels;
        ulong byteCount;
        try
        {
            pixels = image.WriteToMemory(out byteCount);
        }
        catch (VipsException e)
        {
            throw new ImageDecodeException(ImageDecodeFailure.Corrupt, "The image data could not be decoded.", e.Message);
        }

        try
        {
            if (byteCount != (ulong)((long)width * height * bands))
            {
                throw new ImageDecodeException(ImageDecodeFailure.Internal, "libvips returned an unexpected pixel buffer size.");
            }

            unsafe
            {
                Resampler.ResizeCropNormalise(new ReadOnlySpan<byte>((void*)pixels, checked((int)byteCount)), width, height, spec, destination);
            }
        }
        finally
        {
            NetVips.NetVips.Free(pixels);
        }
    }
}
