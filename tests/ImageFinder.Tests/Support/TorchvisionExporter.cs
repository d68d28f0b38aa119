using System.Diagnostics;

namespace ImageFinder.Tests.Support;

/// <summary>
/// <c>models/export_torchvision.py</c> run by Debian's <c>/usr/bin/python3</c> (torch, torchvision, onnx) as a child
/// process, with <c>--cli</c> set to this build's ImageFinder.Cli.dll so that its ONNX Runtime check goes through
/// <c>model-check</c>.
/// </summary>
public static class TorchvisionExporter
{
    public const string Python = "/usr/bin/python3";

    public static string Script { get; } = Path.Combine(Repository.Root, "models", "export_torchvision.py");

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        if (!File.Exists(Python))
        {
            throw new InvalidOperationException($"{Python} is missing: apt-get install python3-torch python3-torchvision python3-onnx python3-numpy (test.sh does it as root).");
        }

        var start = new ProcessStartInfo(Python);
        start.ArgumentList.Add(Script);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.ArgumentList.Add("--cli");
        start.ArgumentList.Add(CliProcess.CliDll);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        return await ProcessRun.RunAsync(start, timeout, "The exporter");
    }
}
