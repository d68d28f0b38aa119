using ImageFinder.Imaging;
using NetVips;

namespace ImageFinder.Tests.Support;

/// <summary>
/// Valid images in the less common encodings cameras, scanners and editors produce (CMYK JPEG, 16-bit PNG,
/// grey with alpha, animated GIF), each made from the same RGB picture as a plain 8-bit sRGB version.
/// </summary>
public static class UnusualImages
{
    /// <summary>The picture as a CMYK JPEG, converted by libvips' colour management (as a print workflow writes it).</summary>
    public static byte[] CmykJpeg(byte[] rgb, int width, int height)
    {
        Libvips.EnsureInitialized();
        using var image = Image.NewFromMemoryCopy<byte>(rgb, width, height, 3, Enums.BandFormat.Uchar);
        using var srgb = image.Copy(interpretation: Enums.Interpretation.Srgb);
        using var cmyk = srgb.Colourspace(Enums.Interpretation.Cmyk);
        return cmyk.WriteToBuffer(".jpg[Q=95]");
    }

    /// <summary>The picture as a 16-bit RGB PNG (every 8-bit value v becomes v × 257).</summary>
    public static byte[] Png16(byte[] rgb, int width, int height)
    {
        var samples = new byte[rgb.Length * 2];
        for (var i = 0; i < rgb.Length; i++)
        {
            samples[2 * i] = rgb[i];
            samples[(2 * i) + 1] = rgb[i];
        }

        return PngWriter.Encode(width, height, 16, PngWriter.Rgb, samples);
    }

    /// <summary>An animated GIF whose frames are the given RGB pictures, in order.</summary>
    public static byte[] AnimatedGif(IReadOnlyList<byte[]> frames, int width, int height)
    {
        var all = frames.SelectMany(frame => frame).ToArray();
        Libvips.EnsureInitialized();
        using var image = Image.NewFromMemoryCopy<byte>(all, width, height * frames.Count, 3, Enums.BandFormat.Uchar);
        using var tagged = image.Copy(interpretation: Enums.Interpretation.Srgb);
        using var pages = tagged.Mutate(m => m.Set(GValue.GIntType, "page-height", height));
        return pages.WriteToBuffer(".gif");
    }

    /// <summary>A grey + alpha PNG of <paramref name="grey"/> with a horizontal alpha ramp, and the same picture flattened onto white as plain grey.</summary>
    public static (byte[] GreyAlpha, byte[] Flattened) GreyAlphaPng(byte[] grey, int width, int height)
    {
        var withAlpha = new byte[grey.Length * 2];
        var flattened = new byte[grey.Length];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var i = (y * width) + x;
                var alpha = 255 - (x * 255 / Math.Max(1, width - 1));
                withAlpha[2 * i] = grey[i];
                withAlpha[(2 * i) + 1] = (byte)alpha;
                flattened[i] = (byte)(((grey[i] * alpha) + (255 * (255 - alpha)) + 127) / 255);
            }
        }

        return (ImageEncoder.Encode(withAlpha, width, height, 2, EncodedFormat.Png), ImageEncoder.Encode(flattened, width, height, 1, EncodedFormat.Png));
    }

    /// <summary>The picture with its colours pulled towards mid-grey (48..207), inside what CMYK ink can print.</summary>
    public static byte[] Muted(byte[] rgb) => rgb.Select(v => (byte)(48 + (v * 5 / 8))).ToArray();

    /// <summary>The luminance of RGB pixels, one byte per pixel.</summary>
    public static byte[] Luminance(byte[] rgb)
    {
        var grey = new byte[rgb.Length / 3];
        for (var i = 0; i < grey.Length; i++)
        {
            grey[i] = (byte)(((rgb[3 * i] * 299) + (rgb[(3 * i) + 1] * 587) + (rgb[(3 * i) + 2] * 114) + 500) / 1000);
        }

        return grey;
    }
}
