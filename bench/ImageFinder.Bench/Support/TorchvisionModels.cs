using System.Diagnostics;
using System.Text.Json;

namespace ImageFinder.Bench.Support;

/// <summary>
/// The exported torchvision backbones the models section compares: every <c>*.onnx</c> with a card in a folder. The
/// default folder (bench/models/torchvision/) is filled by models/export_torchvision.py with random weights
/// (<c>--weights none</c>, no download: the graphs and costs of the real models) for each arch that is missing.
/// </summary>
internal static class TorchvisionModels
{
    /// <summary>The archs the exporter knows, with torchvision's published GFLOPs per image (its weight tables, at each model's crop size).</summary>
    public static readonly IReadOnlyDictionary<string, double> PublishedGflops = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        ["resnet50"] = 4.09,
        ["resnet18"] = 1.81,
        ["vgg16"] = 15.47,
        ["efficientnet_b2"] = 1.09,
        ["mobilenet_v3_large"] = 0.22,
    };

    /// <summary>Exports the missing archs into <paramref name="folder"/>; returns how long each export took.</summary>
    public static Dictionary<string, TimeSpan> EnsureExported(BenchPaths paths, string folder)
    {
        var times = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        foreach (var arch in PublishedGflops.Keys)
        {
            var model = Path.Combine(folder, arch + ".onnx");
            if (File.Exists(model) && File.Exists(Path.ChangeExtension(model, ".json")))
            {
                continue;
            }

            var python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
            BenchLog.Info($"models: {model} is missing; exporting it with {python} {paths.TorchvisionExporter} --arch {arch} --weights none");
            var stopwatch = Stopwatch.StartNew();
            using var process = ChildProcess.Start(
                python, [paths.TorchvisionExporter, "--arch", arch, "--weights", "none", "--out", folder, "--cli", paths.CliDll], paths.Repository);
            process.WaitForExitAsync().GetAwaiter().GetResult();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"{paths.TorchvisionExporter} --arch {arch} failed (exit code {process.ExitCode}). It needs Debian's python3-torch, " +
                    $"python3-torchvision, python3-onnx and python3-numpy. Its output:{Environment.NewLine}{process.OutputTail}");
            }

            times[arch] = stopwatch.Elapsed;
            BenchLog.Info($"models: exported {arch} in {stopwatch.Elapsed.TotalSeconds:F1} s: " + process.OutputTail.Trim().Replace(Environment.NewLine, "; ", StringComparison.Ordinal));
        }

        return times;
    }

    /// <summary>The models in <paramref name="folder"/> (an .onnx with its .json card): the known archs in <see cref="PublishedGflops"/>' order, then the others by name.</summary>
    public static IReadOnlyList<(string Path, string Arch)> Find(string folder)
    {
        if (!Directory.Exists(folder))
        {
            return [];
        }

        var order = PublishedGflops.Keys.ToList();
        return Directory.GetFiles(folder, "*.onnx")
            .Where(path => File.Exists(Path.ChangeExtension(path, ".json")))
            .Select(path => (Path: path, Arch: ArchOf(path)))
            .OrderBy(model => order.IndexOf(model.Arch) is var index and >= 0 ? index : order.Count)
            .ThenBy(model => model.Path, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The card's <c>provenance.arch</c> (what the exporter wrote), else the file name.</summary>
    private static string ArchOf(string model)
    {
        try
        {
            using var card = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(model, ".json")));
            if (card.RootElement.TryGetProperty("provenance", out var provenance) && provenance.TryGetProperty("arch", out var arch) && arch.GetString() is { Length: > 0 } name)
            {
                return name;
            }
        }
        catch (JsonException)
        {
            // ModelCard.Load reports a malformed card when the section loads the model.
        }

        return Path.GetFileNameWithoutExtension(model);
    }
}
