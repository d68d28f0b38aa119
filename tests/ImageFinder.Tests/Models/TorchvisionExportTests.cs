using System.Security.Cryptography;
using System.Text.Json;
using ImageFinder.Imaging;
using ImageFinder.Inference;
using ImageFinder.Tests.Support;
using Xunit.Abstractions;

namespace ImageFinder.Tests.Models;

/// <summary>
/// <c>models/export_torchvision.py --weights none</c> for every arch (random weights: no download), through Debian's
/// torch and torchvision: the card's contract, its provenance hash, ONNX Runtime checked against torch by ImageFinder's
/// own <c>model-check</c>, and the exported model ingesting and searching a small folder through the real CLI.
/// </summary>
public sealed class TorchvisionExportTests(ITestOutputHelper log) : IDisposable
{
    private static readonly TimeSpan ExportTimeout = TimeSpan.FromMinutes(20);

    private readonly TempFolder temp = new();

    [Theory]
    [InlineData("resnet50", 2048, 232, 224, "bilinear", 5)] // DEFAULT = IMAGENET1K_V2's transforms
    [InlineData("resnet18", 512, 256, 224, "bilinear", 5)]
    [InlineData("vgg16", 4096, 256, 224, "bilinear", 4)] // 15 GFLOPs an image: a small folder
    [InlineData("efficientnet_b2", 1408, 288, 288, "bicubic", 5)]
    [InlineData("mobilenet_v3_large", 1280, 232, 224, "bilinear", 5)] // DEFAULT = IMAGENET1K_V2's transforms
    public async Task Random_weights_export_gives_the_archs_card_and_finds_a_resized_copy(
        string arch, int dimension, int resize, int crop, string interpolation, int images)
    {
        var outDir = temp.Combine("out");
        var (exitCode, output, error) = await TorchvisionExporter.RunAsync(ExportTimeout, null, "--arch", arch, "--weights", "none", "--out", outDir);

        log.WriteLine(output); // the exporter's summary: sizes, the check's figure, export and check times
        Assert.True(exitCode == 0, $"exit {exitCode}{Environment.NewLine}{output}{error}");
        Assert.Contains("check: ImageFinder model-check: max abs diff", output); // ONNX Runtime checked through this build's CLI
        Assert.Contains(": ok", output);
        var model = Path.Combine(outDir, arch + ".onnx");
        using var card = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(outDir, arch + ".json")));
        var root = card.RootElement;
        Assert.Equal($"{arch} (torchvision, random weights: NOT pretrained)", root.GetProperty("name").GetString());
        Assert.Contains("NOT pretrained", root.GetProperty("description").GetString());
        Assert.Equal("input", root.GetProperty("input").GetString());
        Assert.Equal("features", root.GetProperty("output").GetString());
        Assert.Equal(dimension, root.GetProperty("dimension").GetInt32());
        Assert.Equal(resize, root.GetProperty("resizeShorterSide").GetInt32());
        Assert.Equal(crop, root.GetProperty("cropSize").GetInt32());
        Assert.Equal(interpolation, root.GetProperty("interpolation").GetString());
        Assert.Equal([0.485, 0.456, 0.406], root.GetProperty("mean").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal([0.229, 0.224, 0.225], root.GetProperty("std").EnumerateArray().Select(v => v.GetDouble()));
        var provenance = root.GetProperty("provenance");
        Assert.Equal(arch, provenance.GetProperty("arch").GetString());
        Assert.Equal("none", provenance.GetProperty("weights").GetString());
        Assert.Equal("models/export_torchvision.py", provenance.GetProperty("exporter").GetString());
        Assert.StartsWith("0.14", provenance.GetProperty("torchvision").GetString());
        Assert.StartsWith("1.13", provenance.GetProperty("torch").GetString());
        Assert.Equal(await Sha256Of(model), provenance.GetProperty("sha256").GetString());
        Assert.Equal([arch + ".json", arch + ".onnx"], Directory.GetFileSystemEntries(outDir).Select(Path.GetFileName).Order()); // no temporary left

        // ImageFinder reads the card as the exporter meant it: the resize filter is the weights' own.
        using (var session = OnnxSession.Load(model, intraOpThreads: 1))
        {
            var loaded = ModelCard.Load(model, session).Preprocessing;
            Assert.Equal(interpolation == "bicubic" ? ResizeFilter.Bicubic : ResizeFilter.Bilinear, loaded.Filter);
            Assert.Equal((resize, crop), (loaded.ResizeShorterSide, loaded.CropSize));
        }

        // The exported model through the real CLI: ingest a folder, then search with a resized re-encoded copy.
        var folder = temp.Combine("images");
        var paths = TestImages.WriteCollection(folder, images);
        var database = temp.Combine(arch + ".db");
        var ingest = await CliRunner.RunAsync("ingest", "--folder", folder, "--db", database, "--model", model, "--threads", "2", "--batch-size", "4");
        Assert.True(ingest.ExitCode == 0, ingest.Output + ingest.Error);
        Assert.Contains($"done: {images} added, 0 updated, 0 unchanged, 0 failed", ingest.Output);
        Assert.Contains("random weights", ingest.Error); // the CLI says the model is not pretrained

        var query = temp.Combine("query.jpg");
        var source = paths[images / 2];
        await File.WriteAllBytesAsync(query, ImageEncoder.Thumbnail(await File.ReadAllBytesAsync(source), 200, EncodedFormat.Jpeg, quality: 75));
        var search = await CliRunner.RunAsync("search", "--image", query, "-k", "3", "--db", database, "--model", model);
        Assert.True(search.ExitCode == 0, search.Output + search.Error);
        var lines = search.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"model: {arch} (torchvision, random weights: NOT pretrained)", lines[0]);
        Assert.Equal(4, lines.Length);
        var best = lines[1].Split('\t');
        Assert.Equal(source, best[2]);
        Assert.True(double.Parse(best[1], System.Globalization.CultureInfo.InvariantCulture) > 0, lines[1]); // a different file, not the source itself
    }

    [Fact]
    public async Task Weights_the_arch_does_not_have_are_a_usage_error()
    {
        var outDir = temp.Combine("out");
        var (exitCode, _, error) = await TorchvisionExporter.RunAsync(ExportTimeout, null, "--arch", "resnet18", "--weights", "IMAGENET1K_V2", "--out", outDir);

        Assert.Equal(1, exitCode);
        Assert.Contains("resnet18 has no IMAGENET1K_V2 weights", error);
        Assert.Contains("IMAGENET1K_V1", error);
        Assert.False(Directory.Exists(outDir));
    }

    [Fact]
    public async Task Cached_weights_whose_hash_does_not_match_are_refused_and_nothing_is_written()
    {
        // torch's cache (TORCH_HOME) holding a file under torchvision's name for resnet18's weights, with other bytes.
        var torchHome = temp.Combine("torch");
        var checkpoints = Path.Combine(torchHome, "hub", "checkpoints");
        Directory.CreateDirectory(checkpoints);
        await File.WriteAllTextAsync(Path.Combine(checkpoints, "resnet18-f37072fd.pth"), "not the weights");
        var outDir = temp.Combine("out");

        var (exitCode, output, error) = await TorchvisionExporter.RunAsync(
            ExportTimeout, new Dictionary<string, string> { ["TORCH_HOME"] = torchHome }, "--arch", "resnet18", "--weights", "DEFAULT", "--out", outDir);

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        Assert.Contains("does not start with f37072fd", error);
        Assert.Single(error.Trim().Split('\n')); // one paragraph
        Assert.Empty(Directory.Exists(outDir) ? Directory.GetFileSystemEntries(outDir) : []);
    }

    public void Dispose() => temp.Dispose();

    private static async Task<string> Sha256Of(string path)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream));
    }
}
