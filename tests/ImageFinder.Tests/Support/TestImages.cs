using ImageFinder.Imaging;

namespace ImageFinder.Tests.Support;

/// <summary>Makes test images: distinct, deterministic patterns encoded by libvips.</summary>
public static class TestImages
{
    /// <summary>RGB pixels of pattern <paramref name="pattern"/> at the given size; the pattern is defined on the unit square, so sizes differ only by resampling.</summary>
    public static byte[] PatternPixels(int pattern, int width, int height)
    {
        var random = new Random(pattern * 7919 + 17);
        var kind = pattern % 4;
        var frequency = 2 + random.Next(10);
        var phase = random.NextDouble() * Math.PI * 2;
        var angle = random.NextDouble() * Math.PI;
        byte[] baseColour = [(byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)];
        byte[] otherColour = [(byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)];
        var cx = 0.2 + (random.NextDouble() * 0.6);
        var cy = 0.2 + (random.NextDouble() * 0.6);

        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                double u = (x + 0.5) / width, v = (y + 0.5) / height;
                var t = kind switch
                {
                    0 => 0.5 + (0.5 * Math.Sin((frequency * Math.PI * 2 * ((u * Math.Cos(angle)) + (v * Math.Sin(angle)))) + phase)),
                    1 => ((int)(u * frequency) + (int)(v * frequency)) % 2 == 0 ? 1.0 : 0.0,
                    2 => 0.5 + (0.5 * Math.Cos((frequency * Math.PI * 2 * Math.Sqrt(((u - cx) * (u - cx)) + ((v - cy) * (v - cy)))) + phase)),
                    _ => Math.Clamp((u * Math.Cos(angle)) + (v * Math.Sin(angle)), 0, 1),
                };
                var offset = ((y * width) + x) * 3;
                for (var c = 0; c < 3; c++)
                {
                    pixels[offset + c] = (byte)Math.Clamp((baseColour[c] * t) + (otherColour[c] * (1 - t)), 0, 255);
                }
            }
        }

        return pixels;
    }

    public static byte[] Pattern(int pattern, int width = 320, int height = 240, EncodedFormat format = EncodedFormat.Png, int quality = 90) =>
        ImageEncoder.Encode(PatternPixels(pattern, width, height), width, height, 3, format, quality);

    public static byte[] Solid(byte r, byte g, byte b, int width, int height, EncodedFormat format = EncodedFormat.Png)
    {
        var pixels = new byte[width * height * 3];
        for (var i = 0; i < pixels.Length; i += 3)
        {
            pixels[i] = r;
            pixels[i + 1] = g;
            pixels[i + 2] = b;
        }

        return ImageEncoder.Encode(pixels, width, height, 3, format);
    }

    /// <summary>Writes <paramref name="count"/> distinct pattern images into <paramref name="folder"/> and returns their paths.</summary>
    public static IReadOnlyList<string> WriteCollection(string folder, int count, int firstPattern = 0)
    {
        Directory.CreateDirectory(folder);
        var paths = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var pattern = firstPattern + i;
            var format = (i % 3) switch { 0 => EncodedFormat.Png, 1 => EncodedFormat.Jpeg, _ => EncodedFormat.WebP };
            var extension = format switch { EncodedFormat.Png => "png", EncodedFormat.Jpeg => "jpg", _ => "webp" };
            var path = Path.Combine(folder, $"pattern-{pattern:D3}.{extension}");
            File.WriteAllBytes(path, Pattern(pattern, 320 + (i % 5 * 40), 240 + (i % 3 * 30), format));
            paths.Add(path);
        }

        return paths;
    }
}
