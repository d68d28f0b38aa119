using System.Diagnostics;

namespace ImageFinder.Bench.Support;

/// <summary>A program the harness starts (the API, the CLI, the model script), with the tail of its output kept for error messages.</summary>
internal sealed class ChildProcess : IDisposable
{
    private const int TailLines = 40;

    private readonly Process process;
    private readonly Queue<string> tail = new();
    private readonly Lock gate = new();

    private ChildProcess(Process process) => this.process = process;

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    /// <summary>The last lines the process wrote to stdout and stderr.</summary>
    public string OutputTail
    {
        get
        {
            lock (gate)
            {
                return string.Join(Environment.NewLine, tail);
            }
        }
    }

    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, line) => child.Keep(line.Data);
        process.ErrorDataReceived += (_, line) => child.Keep(line.Data);
        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            throw;
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>The process's peak resident set size so far (VmHWM), or null once it has exited.</summary>
    public long? PeakResidentBytes() => ProcessMemory.PeakResidentBytes(process.Id);

    public Task WaitForExitAsync(CancellationToken cancellationToken = default) => process.WaitForExitAsync(cancellationToken);

    /// <summary>
    /// Waits for the process to exit, reading its VmHWM every <paramref name="interval"/>; returns the last value
    /// read before it exited (VmHWM only grows, and /proc forgets it at exit).
    /// </summary>
    public async Task<long> WaitForExitTrackingPeakAsync(TimeSpan interval)
    {
        long peak = 0;
        while (!process.HasExited)
        {
            if (PeakResidentBytes() is { } value)
            {
                peak = Math.Max(peak, value);
            }

            await Task.Delay(interval);
        }

        await process.WaitForExitAsync();
        return peak;
    }

    public async Task StopAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (gate)
        {
            tail.Enqueue(line);
            if (tail.Count > TailLines)
            {
                tail.Dequeue();
            }
        }
    }
}
