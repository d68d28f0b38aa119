using ImageFinder.Imaging;
using NetVips;

namespace ImageFinder.Bench.Support;

/// <summary>
/// libvips alone, for the side-by-side figures of the decode section: its own thumbnail call (shrink-on-load,
/// auto-rotate, fill 256² with a centre crop, strict loading) with the pixels written to memory, and the JPEG
/// decode alone at the shrink factor the service uses, which is the floor any preprocessing of it has.
/// </summary>
internal static class BareLibvips
{
    public static void DecodeAndResize(byte[] encoded, int size)
    {
        Libvips.EnsureInitialized();
        using var thumbnail = Image.ThumbnailBuffer(encoded, size, optionString: "fail_on=error", height: size, crop: Enums.Interesting.Centre);
        NetVips.NetVips.Free(thumbnail.WriteToMemory(out _));
    }

    /// <summary>Decodes a JPEG at 1/<paramref name="shrink"/> size to memory, nothing else.</summary>
    public static void DecodeOnly(byte[] encoded, int shrink)
    {
        Libvips.EnsureInitialized();
        using var image = Image.NewFromBuffer(encoded, shrink > 1 ? $"access=sequential,fail_on=error,shrink={shrink}" : "access=sequential,fail_on=error");
        NetVips.NetVips.Free(image.WriteToMemory(out _));
    }
}
