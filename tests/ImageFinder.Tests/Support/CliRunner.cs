using System.CommandLine;
using ImageFinder.Cli;

namespace ImageFinder.Tests.Support;

/// <summary>Runs the real CLI command tree in-process and captures what it prints.</summary>
public static class CliRunner
{
    public static Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) => RunAsync(args, CancellationToken.None);

    /// <summary>Runs a command until it ends or <paramref name="stop"/> is cancelled (what Ctrl-C or SIGTERM does to the real process).</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string[] args, CancellationToken stop)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await CliApp.BuildRoot().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, stop);
        return (exitCode, output.ToString(), error.ToString());
    }
}
