using System.Globalization;
using ImageFinder.Imaging;

namespace ImageFinder.Bench.Support;

/// <summary>
/// Photo-like test JPEGs (quality 90): a lit two-colour gradient, a dozen shaded discs, boxes and striped
/// ellipses, and per-pixel sensor-like noise, so the files have realistic sizes and decode costs (flat colours
/// would compress to almost nothing). Eight distinct images per size are kept in bench/work/images; ingest
/// folders repeat them under different names.
/// <para>
/// The main set has 4:2:0 chroma subsampling, as cameras and phones write JPEGs (folder v2). The 4:4:4 set
/// (folder v1: libvips keeps full-resolution chroma from quality 90 up, which the harness used before) has
/// twice the chroma samples to decode; the decode section reports it beside the main set.
/// </para>
/// </summary>
internal sealed class TestImageFactory
{
    public const int Quality = 90;
    public const int DistinctImages = 8;

    public static readonly ImageSize Small = new(640, 480);
    public static readonly ImageSize Medium = new(1920, 1080);
    public static readonly ImageSize Large = new(4000, 3000);

    private readonly string root;
    private readonly Dictionary<ImageSize, IReadOnlyList<byte[]>> sources = [];

    /// <param name="folder">The images go to <paramref name="folder"/>/v2 (4:2:0) or /v1 (4:4:4).</param>
    /// <param name="subsampledChroma">4:2:0 chroma, as cameras write; false for full-resolution (4:4:4) chroma.</param>
    public TestImageFactory(string folder, bool subsampledChroma)
    {
        SubsampledChroma = subsampledChroma;
        root = Path.Combine(folder, subsampledChroma ? "v2" : "v1");
    }

    public bool SubsampledChroma { get; }

    /// <summary>"4:2:0" or "4:4:4".</summary>
    public string Chroma => SubsampledChroma ? "4:2:0" : "4:4:4";

    /// <summary>The distinct JPEGs of one size, generated once and kept on disk.</summary>
    public IReadOnlyList<byte[]> Sources(ImageSize size)
    {
        if (sources.TryGetValue(size, out var cached))
        {
            return cached;
        }

        var folder = Path.Combine(root, Name(size));
        Directory.CreateDirectory(folder);
        var images = new List<byte[]>();
        for (var i = 0; i < DistinctImages; i++)
        {
            var path = Path.Combine(folder, $"source-{i}.jpg");
            if (!File.Exists(path))
            {
                BenchLog.Info($"images: generating {path}");
                var pixels = Pixels(seed: (size.Width * 31) + i, size.Width, size.Height);
                var jpeg = SubsampledChroma
                    ? ImageEncoder.EncodeSubsampledJpeg(pixels, size.Width, size.Height, Quality)
                    : ImageEncoder.Encode(pixels, size.Width, size.Height, 3, EncodedFormat.Jpeg, Quality);
                File.WriteAllBytes(path + ".tmp", jpeg);
                File.Move(path + ".tmp", path, overwrite: true);
            }

            images.Add(File.ReadAllBytes(path));
        }

        sources[size] = images;
        return images;
    }

    /// <summary>Mean JPEG file size of <see cref="Sources"/> in bytes.</summary>
    public double MeanBytes(ImageSize size) => Sources(size).Average(image => (double)image.Length);

    /// <summary>
    /// A folder holding exactly <paramref name="count"/> JPEGs of <paramref name="size"/>: the distinct images
    /// repeated under different names (image-00000.jpg, …). Files from an earlier, larger folder are removed.
    /// A <paramref name="purpose"/> gives a folder of its own, so two sections' folders of one size do not undo each other.
    /// </summary>
    public string Folder(ImageSize size, int count, string? purpose = null) =>
        FolderAt(Path.Combine(root, "ingest-" + Name(size) + (purpose is null ? string.Empty : "-" + purpose)), size, count);

    /// <summary>
    /// Like <see cref="Folder"/>, in a folder of the caller's (a section that must not share the common ingest
    /// folder, whose extra files <see cref="Folder"/> removes): the same JPEGs under the same names.
    /// </summary>
    public string FolderAt(string folder, ImageSize size, int count)
    {
        var images = Sources(size);
        Directory.CreateDirectory(folder);
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var path = Path.Combine(folder, $"image-{i.ToString("D5", CultureInfo.InvariantCulture)}.jpg");
            wanted.Add(path);
            if (!File.Exists(path))
            {
                File.WriteAllBytes(path, images[i % images.Count]);
            }
        }

        foreach (var file in Directory.EnumerateFiles(folder))
        {
            if (!wanted.Contains(file))
            {
                File.Delete(file);
            }
        }

        return folder;
    }

    /// <summary>RGB pixels of scene <paramref name="seed"/>, defined on the unit square so every size shows the same scene.</summary>
    public static byte[] Pixels(int seed, int width, int height)
    {
        var random = SplitMix64.Stream(0x1A6E, seed);
        var colour0 = RandomColour(ref random);
        var colour1 = RandomColour(ref random);
        var angle = random.NextDouble() * Math.PI;
        var lightU = 0.5 + (random.NextDouble() * 2);
        var lightV = 0.5 + (random.NextDouble() * 2);
        var lightPhase = random.NextDouble() * Math.PI * 2;
        var shapes = new Shape[8 + random.Next(8)];
        for (var s = 0; s < shapes.Length; s++)
        {
            shapes[s] = new Shape(
                Kind: random.Next(3),
                CentreU: random.NextDouble(),
                CentreV: random.NextDouble(),
                RadiusU: 0.04 + (random.NextDouble() * 0.25),
                RadiusV: 0.04 + (random.NextDouble() * 0.25),
                Colour: RandomColour(ref random),
                StripeFrequency: 8 + (random.NextDouble() * 40),
                StripeAngle: random.NextDouble() * Math.PI);
        }

        var pixels = new byte[width * height * 3];
        Parallel.For(0, height, y =>
        {
            var noise = SplitMix64.Stream((ulong)seed, y);
            var v = (y + 0.5) / height;
            Span<double> colour = stackalloc double[3];
            for (var x = 0; x < width; x++)
            {
                var u = (x + 0.5) / width;
                var t = Math.Clamp((u * Math.Cos(angle)) + (v * Math.Sin(angle)), 0, 1);
                var light = 0.8 + (0.2 * Math.Sin((2 * Math.PI * ((lightU * u) + (lightV * v))) + lightPhase));
                for (var c = 0; c < 3; c++)
                {
                    colour[c] = ((colour0[c] * (1 - t)) + (colour1[c] * t)) * light;
                }

                foreach (var shape in shapes)
                {
                    var shade = shape.Shade(u, v);
                    if (shade > 0)
                    {
                        for (var c = 0; c < 3; c++)
                        {
                            colour[c] = shape.Colour[c] * shade;
                        }
                    }
                }

                // Sensor-like noise: mostly luminance (sigma about 3), a little chroma (sigma about 1.5).
                var luma = (noise.NextDouble() + noise.NextDouble() + noise.NextDouble() - 1.5) * 6;
                var offset = ((y * width) + x) * 3;
                for (var c = 0; c < 3; c++)
                {
                    var chroma = (noise.NextDouble() + noise.NextDouble() + noise.NextDouble() - 1.5) * 3;
                    pixels[offset + c] = (byte)Math.Clamp(colour[c] + luma + chroma, 0, 255);
                }
            }
        });
        return pixels;
    }

    private static string Name(ImageSize size) => Format.Size(size.Width, size.Height);

    private static double[] RandomColour(ref SplitMix64 random) =>
        [30 + (random.NextDouble() * 200), 30 + (random.NextDouble() * 200), 30 + (random.NextDouble() * 200)];

    /// <summary>A shaded disc (kind 0), a box lit from one side (1), or a striped ellipse (2).</summary>
    private sealed record Shape(int Kind, double CentreU, double CentreV, double RadiusU, double RadiusV, double[] Colour, double StripeFrequency, double StripeAngle)
    {
        /// <summary>The brightness factor at (u, v), or 0 outside the shape.</summary>
        public double Shade(double u, double v)
        {
            var dx = (u - CentreU) / RadiusU;
            var dy = (v - CentreV) / RadiusV;
            var r2 = (dx * dx) + (dy * dy);
            return Kind switch
            {
                0 => r2 <= 1 ? 1 - (0.35 * r2) : 0,
                1 => Math.Abs(dx) <= 1 && Math.Abs(dy) <= 1 ? 0.75 + (0.25 * dx) : 0,
                _ => r2 <= 1 ? 0.75 + (0.25 * Math.Sin(2 * Math.PI * StripeFrequency * ((u * Math.Cos(StripeAngle)) + (v * Math.Sin(StripeAngle))))) : 0,
            };
        }
    }
}
