using ImageFinder.Imaging.Interop;

namespace ImageFinder.Bench.Support;

/// <summary>
/// libvips alone, for the side-by-side ratio of the decode section: the very thumbnail call the service makes
/// (shrink-on-load, auto-rotate, fill 256² with a centre crop, strict loading), pixels written to memory, and
/// nothing of ours (no header check, no colour conversion, no crop or normalisation).
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
}
