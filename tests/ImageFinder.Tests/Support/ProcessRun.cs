using System.Diagnostics;

namespace ImageFinder.Tests.Support;

/// <summary>Runs a program to its end with both of its pipes read, and kills its whole process tree past a timeout.</summary>
internal static class ProcessRun
{
    /// <exception cref="TimeoutException">It was still running after <paramref name="timeout"/>; the message has what it wrote.</exception>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(ProcessStartInfo start, TimeSpan timeout, string name)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{name} did not finish within {timeout.TotalSeconds:F0} s:{Environment.NewLine}{await output}{await error}");
        }

        return (process.ExitCode, await output, await error);
    }
}
