using System.Buffers.Binary;
using System.Text;
using ImageFinder.Imaging;

namespace ImageFinder.Tests.Support;

/// <summary>
/// A corpus of hostile and broken input, generated (seeded) on first use: empty and random files, valid
/// images truncated at many offsets, a few hundred bit-flipped mutations, headers that claim 60000x60000
/// pixels and a real zero-filled bomb, SVG and HTML renamed .jpg, hostile file names, and the valid but
/// unusual images (1x1, 16-bit, CMYK, grey + alpha, animated GIF). Shared by every test that feeds
/// untrusted bytes to the service (<c>POST /search</c>, the ingest job, uploads).
/// </summary>
public static class HostileCorpus
{
    /// <summary>Seed of every random choice in the corpus.</summary>
    public const int Seed = 20261121;

    public const int BitFlipsPerFormat = 75;

    private static readonly Lazy<List<HostileCase>> Cases = new(Build);
    private static readonly Lazy<Dictionary<string, HostileCase>> ByName = new(() => Cases.Value.ToDictionary(c => c.Name, StringComparer.Ordinal));

    /// <summary>Every case, in a stable order.</summary>
    public static IReadOnlyList<HostileCase> All => Cases.Value;

    /// <summary>Case names for <c>[MemberData]</c>: one theory row per case.</summary>
    public static TheoryData<string> Names
    {
        get
        {
            var names = new TheoryData<string>();
            foreach (var item in Cases.Value)
            {
                names.Add(item.Name);
            }

            return names;
        }
    }

    public static HostileCase Get(string name) => ByName.Value[name];

    private static List<HostileCase> Build()
    {
        var cases = new List<HostileCase>
        {
            new("empty", "empty.jpg", [], HostileOutcome.Rejected, ImageDecodeFailure.Empty),
        };

        var random = new Random(Seed);
        foreach (var length in new[] { 1, 3, 16, 100, 1000, 65536 })
        {
            cases.Add(new($"random-{length}-bytes", $"random-{length}.jpg", RandomBytes(random, length), HostileOutcome.Rejected, ImageDecodeFailure.UnsupportedFormat));
        }

        // Random bytes after a real signature: the loader is chosen, then must fail cleanly.
        cases.Add(new("jpeg-magic-then-random", "magic.jpg", [0xFF, 0xD8, 0xFF, 0xE0, .. RandomBytes(random, 4000)], HostileOutcome.Rejected));
        cases.Add(new("png-magic-then-random", "magic.png", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, .. RandomBytes(random, 4000)], HostileOutcome.Rejected));
        cases.Add(new("gif-magic-then-random", "magic.gif", [.. "GIF89a"u8, .. RandomBytes(random, 4000)], HostileOutcome.Rejected));
        cases.Add(new("webp-magic-then-random", "magic.webp", [.. "RIFF"u8, 0xA0, 0x0F, 0, 0, .. "WEBPVP8 "u8, .. RandomBytes(random, 4000)], HostileOutcome.Rejected));

        var formats = new (string Name, EncodedFormat Format)[]
        {
            ("jpeg", EncodedFormat.Jpeg), ("png", EncodedFormat.Png), ("webp", EncodedFormat.WebP), ("gif", EncodedFormat.Gif), ("tiff", EncodedFormat.Tiff),
        };
        foreach (var (name, format) in formats)
        {
            var valid = TestImages.Pattern(7, 320, 240, format);
            foreach (var offset in TruncationOffsets(valid.Length))
            {
                // Cut inside the image data it must fail; cut in the last bytes (trailer, padding) all pixels may be there.
                var expected = offset >= valid.Length - 16 ? HostileOutcome.Either : HostileOutcome.Rejected;
                cases.Add(new($"truncated-{name}-at-{offset:D6}", $"truncated-{offset}.{name}", valid[..offset], expected));
            }

            var flips = new Random(Seed + (int)format);
            for (var i = 0; i < BitFlipsPerFormat; i++)
            {
                var mutated = (byte[])valid.Clone();
                var count = 1 + flips.Next(8);
                for (var f = 0; f < count; f++)
                {
                    mutated[flips.Next(mutated.Length)] ^= (byte)(1 << flips.Next(8));
                }

                cases.Add(new($"bitflip-{name}-{i:D3}", $"bitflip-{i}.{name}", mutated, HostileOutcome.Either));
            }
        }

        // Decompression bombs: the header's pixel count is refused before any pixel is decoded.
        cases.Add(new("bomb-png-header-60000x60000", "bomb.png", PngWriter.LyingHeader(60000, 60000), HostileOutcome.Rejected, ImageDecodeFailure.TooManyPixels));
        cases.Add(new("bomb-jpeg-header-60000x60000", "bomb.jpg", WithJpegSize(TestImages.Pattern(8, 64, 48, EncodedFormat.Jpeg), 60000, 60000), HostileOutcome.Rejected, ImageDecodeFailure.TooManyPixels));
        // libnsgif ignores a logical screen far larger than the frames and uses the frame size: safe either way.
        cases.Add(new("bomb-gif-screen-65535x65535", "bomb.gif", WithGifScreen(TestImages.Pattern(8, 64, 48, EncodedFormat.Gif), 65535, 65535), HostileOutcome.Either));
        cases.Add(new("bomb-png-zeros-10240x10240", "zeros.png", PngWriter.Zeros(10240, 10240), HostileOutcome.Rejected, ImageDecodeFailure.TooManyPixels));
        cases.Add(new("png-zero-width", "zero-width.png", PngWriter.LyingHeader(0, 100), HostileOutcome.Rejected));

        // Not images, under an image name.
        cases.Add(new("svg-renamed-jpg", "drawing.jpg", Encoding.UTF8.GetBytes(Svg), HostileOutcome.Rejected));
        cases.Add(new("svg-renamed-png", "drawing.png", Encoding.UTF8.GetBytes(Svg), HostileOutcome.Rejected));
        cases.Add(new("html-renamed-jpg", "page.jpg", Encoding.UTF8.GetBytes(Html), HostileOutcome.Rejected));
        cases.Add(new("bmp-renamed-jpg", "bitmap.jpg", Bmp2x2, HostileOutcome.Rejected, ImageDecodeFailure.UnsupportedFormat));

        // Hostile names: the name never matters, the bytes do.
        cases.Add(new("name-traversal-valid-png", "../../../etc/passwd\u0001\u001b[2J\t.png", TestImages.Pattern(9, 64, 64), HostileOutcome.Accepted));
        cases.Add(new("name-control-characters-junk", "junk\u0007\u001b[31mred\u001b[0m\nsecond line.jpg", Encoding.UTF8.GetBytes("not an image at all"), HostileOutcome.Rejected));

        // Valid but unusual: searched and ingested like any other image.
        var (rgb, width, height) = (TestImages.PatternPixels(10, 160, 120), 160, 120);
        cases.Add(new("tiny-1x1-png", "pixel.png", TestImages.Solid(200, 30, 90, 1, 1), HostileOutcome.Accepted));
        cases.Add(new("tiny-1x1-jpeg", "pixel.jpg", TestImages.Solid(200, 30, 90, 1, 1, EncodedFormat.Jpeg), HostileOutcome.Accepted));
        cases.Add(new("extreme-aspect-4000x1-png", "line.png", TestImages.Solid(10, 200, 90, 4000, 1), HostileOutcome.Accepted));
        cases.Add(new("png-16-bit", "deep.png", UnusualImages.Png16(rgb, width, height), HostileOutcome.Accepted));
        cases.Add(new("jpeg-cmyk", "print.jpg", UnusualImages.CmykJpeg(rgb, width, height), HostileOutcome.Accepted));
        cases.Add(new("png-grey-alpha", "grey-alpha.png", UnusualImages.GreyAlphaPng(UnusualImages.Luminance(rgb), width, height).GreyAlpha, HostileOutcome.Accepted));
        cases.Add(new("gif-animated", "animated.gif", UnusualImages.AnimatedGif([rgb, TestImages.PatternPixels(11, width, height)], width, height), HostileOutcome.Accepted));
        return cases;
    }

    private const string Svg = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="200" height="200">
          <rect width="200" height="200" fill="red"/>
          <image xlink:href="file:///etc/passwd" width="10" height="10"/>
        </svg>
        """;

    private const string Html = """
        <!DOCTYPE html>
        <html><head><title>not an image</title></head>
        <body><img src="x" onerror="alert(1)"><script>alert(document.cookie)</script></body></html>
        """;

    // A valid 2x2 24-bit BMP: this libvips build has no BMP loader.
    private static readonly byte[] Bmp2x2 =
    [
        0x42, 0x4D, 70, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0,
        40, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 24, 0, 0, 0, 0, 0, 16, 0, 0, 0, 0x13, 0x0B, 0, 0, 0x13, 0x0B, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 0, 255, 255, 255, 255, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0,
    ];

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Cuts near the start (signature, header), at every 5 % of the file, and in the last bytes.</summary>
    private static SortedSet<int> TruncationOffsets(int length)
    {
        var offsets = new SortedSet<int>();
        foreach (var offset in new[] { 1, 2, 3, 4, 6, 8, 12, 16, 20, 24, 32, 48, 64, 100, 128, 200, 256, 400, 512 })
        {
            offsets.Add(offset);
        }

        for (var percent = 5; percent < 100; percent += 5)
        {
            offsets.Add(length * percent / 100);
        }

        offsets.Add(length - 64);
        offsets.Add(length - 8);
        offsets.Add(length - 2);
        offsets.Add(length - 1);
        offsets.RemoveWhere(o => o < 1 || o >= length);
        return offsets;
    }

    /// <summary>Rewrites the size in a JPEG's start-of-frame segment.</summary>
    private static byte[] WithJpegSize(byte[] jpeg, int width, int height)
    {
        var bytes = (byte[])jpeg.Clone();
        var position = 2;
        while (position + 4 < bytes.Length)
        {
            if (bytes[position] != 0xFF)
            {
                throw new InvalidOperationException("Unexpected JPEG layout.");
            }

            var marker = bytes[position + 1];
            var length = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(position + 2));
            if (marker is >= 0xC0 and <= 0xC2)
            {
                BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(position + 5), (ushort)height);
                BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(position + 7), (ushort)width);
                return bytes;
            }

            position += 2 + length;
        }

        throw new InvalidOperationException("No start-of-frame segment in the JPEG.");
    }

    /// <summary>Rewrites a GIF's logical screen size.</summary>
    private static byte[] WithGifScreen(byte[] gif, int width, int height)
    {
        var bytes = (byte[])gif.Clone();
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(6), (ushort)width);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(8), (ushort)height);
        return bytes;
    }
}
