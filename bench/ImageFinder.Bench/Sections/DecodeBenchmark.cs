using System.Diagnostics;
using ImageFinder.Bench.Support;
using ImageFinder.Imaging;

namespace ImageFinder.Bench.Sections;

/// <summary>
/// Section 2: decode + preprocess alone, on one thread: <see cref="ImagePreprocessor.Prepare"/> (header
/// check, shrink-on-load decode, resize, crop, normalise into a CHW tensor) and, separately,
/// <see cref="ImagePreprocessor.ReadHeader"/> (what every upload pays before any pixel is decoded).
/// </summary>
internal sealed class DecodeBenchmark
{
    private const int WarmupRuns = 5;

    private static readonly (ImageSize Size, double TargetMs)[] Targets =
    [
        (TestImageFactory.Small, 4),
        (TestImageFactory.Medium, 10),
        (TestImageFactory.Large, 35),
    ];

    private readonly BenchContext context;

    public DecodeBenchmark(BenchContext context) => this.context = context;

    public Task RunAsync(ResultsSection section)
    {
        var preprocessor = new ImagePreprocessor(context.Model.Card.Preprocessing, maxPixels: 100_000_000);
        var main = Measure(preprocessor, context.Images, withTargets: true);
        var fullChroma = Measure(preprocessor, context.FullChromaImages, withTargets: false);

        section.Paragraph(
            $"One thread, the calling one (libvips concurrency is 1, as in the service). {TestImageFactory.DistinctImages} distinct " +
            $"JPEGs per size (quality {TestImageFactory.Quality}) taken in turn, {WarmupRuns} untimed runs first. `Prepare` includes " +
            "its own header check; `ReadHeader` is timed separately on the same bytes.");
        section.Paragraph($"**{context.Images.Chroma} chroma subsampling**, as cameras and phones write JPEGs (the images of every other section):");
        section.Table(main);
        section.Paragraph(
            $"**{context.FullChromaImages.Chroma}** (full-resolution chroma), the same scenes: what libvips writes at quality 90 and above unless told " +
            "otherwise, and what this harness used before. Twice the chroma samples to entropy-decode; shown for comparison, without a target.");
        section.Table(fullChroma);
        section.Paragraph(
            "Timed on the same images in the same loop. libvips thumbnail is libvips' own decode + resize: `vips_thumbnail_buffer` " +
            "(its shrink-on-load keeps at least twice the target size, then lanczos3, auto-rotate, fill 256² with a centre crop, " +
            "`fail_on=error`) with its pixels written to memory. `Prepare` decodes JPEGs at the largest 1/2, 1/4 or 1/8 that keeps " +
            "the shorter side at 256 or more, then resizes (antialiased bilinear), crops and normalises only the crop in one C# pass. " +
            "JPEG decode alone is libvips' JPEG loader at that same shrink, writing the pixels to memory and nothing else: the floor " +
            "for any preprocessing of these files, set by libjpeg's entropy decoding of their bytes.");
        return Task.CompletedTask;
    }

    private MarkdownTable Measure(ImagePreprocessor preprocessor, TestImageFactory factory, bool withTargets)
    {
        var runs = context.Effort.DecodeRuns;
        var tensor = new float[preprocessor.Spec.TensorLength];
        var table = withTargets
            ? new MarkdownTable("image size", "mean JPEG KiB", "runs", "Prepare p50 ms", "Prepare p90 ms", "libvips thumbnail p50 ms", "Prepare / libvips thumbnail", "JPEG decode alone p50 ms (same shrink)", "ReadHeader p50 ms", "target (p50)", "result")
            : new MarkdownTable("image size", "mean JPEG KiB", "runs", "Prepare p50 ms", "Prepare p90 ms", "libvips thumbnail p50 ms", "Prepare / libvips thumbnail", "JPEG decode alone p50 ms (same shrink)", "ReadHeader p50 ms");
        foreach (var (size, targetMs) in Targets)
        {
            var images = factory.Sources(size);
            var shrink = ImagePreprocessor.JpegShrinkFor(Math.Min(size.Width, size.Height), preprocessor.Spec.ResizeShorterSide);
            for (var i = 0; i < WarmupRuns; i++)
            {
                preprocessor.Prepare(images[i % images.Count], tensor);
                BareLibvips.DecodeAndResize(images[i % images.Count], preprocessor.Spec.ResizeShorterSide);
                BareLibvips.DecodeOnly(images[i % images.Count], shrink);
            }

            var prepare = new List<double>(runs);
            var header = new List<double>(runs);
            var bare = new List<double>(runs);
            var decodeOnly = new List<double>(runs);
            for (var i = 0; i < runs; i++)
            {
                var image = images[i % images.Count];
                var stopwatch = Stopwatch.StartNew();
                preprocessor.ReadHeader(image);
                header.Add(stopwatch.Elapsed.TotalMilliseconds);
                stopwatch.Restart();
                preprocessor.Prepare(image, tensor);
                prepare.Add(stopwatch.Elapsed.TotalMilliseconds);
                stopwatch.Restart();
                BareLibvips.DecodeAndResize(image, preprocessor.Spec.ResizeShorterSide);
                bare.Add(stopwatch.Elapsed.TotalMilliseconds);
                stopwatch.Restart();
                BareLibvips.DecodeOnly(image, shrink);
                decodeOnly.Add(stopwatch.Elapsed.TotalMilliseconds);
            }

            var prepared = Distribution.Of(prepare);
            var headers = Distribution.Of(header);
            var libvips = Distribution.Of(bare);
            BenchLog.Info($"decode: {Format.Size(size.Width, size.Height)} {factory.Chroma} Prepare p50 {prepared.P50:F2} ms, ReadHeader p50 {headers.P50:F3} ms");
            string[] cells =
            [
                Format.Size(size.Width, size.Height),
                Format.KiB(factory.MeanBytes(size)),
                runs.ToString(),
                Format.Ms(prepared.P50),
                Format.Ms(prepared.P90),
                Format.Ms(libvips.P50),
                Format.Ratio(prepared.P50 / libvips.P50),
                $"{Format.Ms(Distribution.Of(decodeOnly).P50)} (1/{shrink})",
                headers.P50.ToString("F3"),
            ];
            table.Row(withTargets ? [.. cells, $"< {targetMs} ms", Format.Verdict(prepared.P50 < targetMs)] : cells);
        }

        return table;
    }
}
