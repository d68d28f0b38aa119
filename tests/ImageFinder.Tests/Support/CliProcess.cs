using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace ImageFinder.Tests.Support;

/// <summary>
/// The real CLI as a child process (<c>dotnet ImageFinder.Cli.dll …</c>, its own build output), for what an
/// in-process run cannot show: the exit code of the whole program, a native crash, and SIGKILL.
/// </summary>
public sealed class CliProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly StringBuilder error = new();
    private readonly TaskCompletionSource outputClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource errorClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private long peakResidentBytes;

    private CliProcess(Process process) => this.process = process;

    /// <summary>The highest peak resident set size (VmHWM) read while the process ran, sampled every 20 ms.</summary>
    public long PeakResidentBytes => Interlocked.Read(ref peakResidentBytes);

    /// <summary>ImageFinder.Cli.dll from the same build configuration as the tests.</summary>
    public static string CliDll { get; } = LocateCliDll();

    public bool HasExited => process.HasExited;

    public static CliProcess Start(params string[] args) => Start(new Dictionary<string, string?>(), args);

    /// <summary>Starts the CLI with <paramref name="environment"/> added to (or, for null values, removed from) this process's environment.</summary>
    public static CliProcess Start(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var start = new ProcessStartInfo(DotnetHost)
        {
            WorkingDirectory = Path.GetDirectoryName(CliDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(CliDll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var child = new CliProcess(new Process { StartInfo = start });
        child.process.OutputDataReceived += (_, line) => child.Keep(child.output, child.outputClosed, line.Data);
        child.process.ErrorDataReceived += (_, line) => child.Keep(child.error, child.errorClosed, line.Data);
        child.process.Start();
        child.process.BeginOutputReadLine();
        child.process.BeginErrorReadLine();
        _ = Task.Run(child.TrackPeakResidentAsync);
        return child;
    }

    /// <summary>Runs the CLI to completion (at most <paramref name="timeout"/>).</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(TimeSpan timeout, params string[] args)
    {
        using var child = Start(args);
        return await child.WaitAsync(timeout);
    }

    /// <summary>Runs the CLI to completion (at most <paramref name="timeout"/>) with <paramref name="environment"/> set.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(TimeSpan timeout, IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        using var child = Start(environment, args);
        return await child.WaitAsync(timeout);
    }

    /// <summary>Waits for the exit and for both output streams to be read to the end.</summary>
    public async Task<(int ExitCode, string Output, string Error)> WaitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
            await Task.WhenAll(outputClosed.Task, errorClosed.Task).WaitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"The CLI did not finish within {timeout.TotalSeconds:F0} s. Output so far:{Environment.NewLine}{Output}{Environment.NewLine}{Error}");
        }

        return (process.ExitCode, Output, Error);
    }

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public string Error
    {
        get
        {
            lock (error)
            {
                return error.ToString();
            }
        }
    }

    /// <summary>SIGKILL: the process gets no chance to clean up, as in a power cut or the OOM killer.</summary>
    public void Kill()
    {
        try
        {
            process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            Kill();
            process.WaitForExit();
        }

        process.Dispose();
    }

    private static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static string LocateCliDll()
    {
        var configuration = typeof(CliProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "ImageFinder.sln")))
            {
                var dll = Path.Combine(folder.FullName, "src", "ImageFinder.Cli", "bin", configuration, "net10.0", "linux-x64", "ImageFinder.Cli.dll");
                return File.Exists(dll) ? dll : throw new FileNotFoundException($"{dll} is missing: build the solution ({configuration}) first.", dll);
            }
        }

        throw new InvalidOperationException($"ImageFinder.sln was not found above {AppContext.BaseDirectory}.");
    }

    private async Task TrackPeakResidentAsync()
    {
        var status = $"/proc/{process.Id}/status";
        while (!process.HasExited)
        {
            try
            {
                var line = (await File.ReadAllLinesAsync(status)).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
                if (line is not null && long.TryParse(line["VmHWM:".Length..].Trim().Split(' ')[0], out var kilobytes))
                {
                    var bytes = kilobytes * 1024;
                    if (bytes > Interlocked.Read(ref peakResidentBytes))
                    {
                        Interlocked.Exchange(ref peakResidentBytes, bytes);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                // The process is exiting.
            }

            await Task.Delay(20);
        }
    }

    private void Keep(StringBuilder buffer, TaskCompletionSource closed, string? line)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        lock (buffer)
        {
            buffer.AppendLine(line);
        }
    }
}
