using System.Diagnostics;
using System.Reflection;

namespace ImageFinder.Tests.Support;

/// <summary>
/// The real API as a child process (<c>dotnet ImageFinder.Api.dll</c>, its own build output), for what the in-process
/// host cannot show: what the whole program prints and its exit code when it cannot start.
/// </summary>
public static class ApiProcess
{
    /// <summary>ImageFinder.Api.dll from the same build configuration as the tests.</summary>
    public static string ApiDll { get; } = Locate();

    /// <summary>Runs the API with <paramref name="environment"/> added to its environment until it exits (at most <paramref name="timeout"/>).</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(IDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(DotnetHost)
        {
            WorkingDirectory = Path.GetDirectoryName(ApiDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ApiDll);
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

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
            throw new TimeoutException($"The API did not exit within {timeout.TotalSeconds:F0} s:{Environment.NewLine}{await output}{Environment.NewLine}{await error}");
        }

        return (process.ExitCode, await output, await error);
    }

    private static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static string Locate()
    {
        var configuration = typeof(ApiProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var dll = Path.Combine(Repository.Root, "src", "ImageFinder.Api", "bin", configuration, "net10.0", "linux-x64", "ImageFinder.Api.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"{dll} is missing: build the solution ({configuration}) first.", dll);
    }
}
