using System.Diagnostics;
using System.Text;

namespace ImageFinder.Tests.Support;

/// <summary>
/// <c>models/export_torchvision.py</c> run by Debian's <c>/usr/bin/python3</c> (torch, torchvision, onnx) as a child
/// process, with <c>--cli</c> set to this build's ImageFinder.Cli.dll so that its ONNX Runtime check goes through
/// <c>model-check</c>.
/// </summary>
public static class TorchvisionExporter
{
    public const string Python = "/usr/bin/python3";

    public static string Script { get; } = Path.Combine(RepositoryRoot(), "models", "export_torchvision.py");

    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        if (!File.Exists(Python))
        {
            throw new InvalidOperationException($"{Python} is missing: apt-get install python3-torch python3-torchvision python3-onnx python3-numpy (test.sh does it as root).");
        }

        var start = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
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

        using var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        var error = new StringBuilder();
        process.OutputDataReceived += (_, line) => Append(output, line.Data);
        process.ErrorDataReceived += (_, line) => Append(error, line.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The exporter did not finish within {timeout.TotalSeconds:F0} s.{Environment.NewLine}{Text(output)}{Text(error)}");
        }

        process.WaitForExit(); // flushes the redirected streams
        return (process.ExitCode, Text(output), Text(error));
    }

    private static void Append(StringBuilder buffer, string? line)
    {
        if (line is not null)
        {
            lock (buffer)
            {
                buffer.AppendLine(line);
            }
        }
    }

    private static string Text(StringBuilder buffer)
    {
        lock (buffer)
        {
            return buffer.ToString();
        }
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "ImageFinder.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"ImageFinder.sln was not found above {AppContext.BaseDirectory}.");
    }
}
