using ImageFinder.Imaging.Interop;

namespace ImageFinder.Bench.Support;

/// <summary>
/// libvips alone, for the side-by-side figures of the decode section: its own thumbnail call (shrink-on-load,
/// auto-rotate, fill 256² with a centre crop, strict loading) with the pixels written to memory, and the JPEG
/// decode alone at the shrink factor the service uses, which is the floor any preprocessing of it has.
/// </summary>
internal static class BareLibvips
{
    public static unsafe void DecodeAndResize(byte[] encoded, int size)
    {
        fixed (byte* bytes = encoded)
        {
            using var thumbnail = VipsNative.ThumbnailBuffer(bytes, (nuint)encoded.Length, size);
            if (thumbnail.IsInvalid)
            {
                throw new InvalidOperationException("libvips could not decode a benchmark image: " + VipsNative.TakeError());
            }

            var pixels = VipsNative.vips_image_write_to_memory(thumbnail, out _);
            VipsNative.g_free(pixels);
        }
    }

    /// <summary>Decodes a JPEG at 1/<paramref name="shrink"/> size to memory, nothing else.</summary>
    public static unsafe void DecodeOnly(byte[] encoded, int shrink)
    {
        fixed (byte* bytes = encoded)
        {
            using var image = VipsNative.NewFromBufferForDecode(bytes, (nuint)encoded.Length, shrink);
            var pixels = image.IsInvalid ? IntPtr.Zero : VipsNative.vips_image_write_to_memory(image, out _);
            if (pixels == IntPtr.Zero)
            {
                throw new InvalidOperationException("libvips could not decode a benchmark image: " + VipsNative.TakeError());
            }

            VipsNative.g_free(pixels);
        }
    }
}
