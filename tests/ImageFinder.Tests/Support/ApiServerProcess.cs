using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ImageFinder.Tests.Support;

/// <summary>
/// The real API running as a child process on a free 127.0.0.1 port (<c>dotnet ImageFinder.Api.dll</c>), ready once
/// /health said 200. Disposing it kills the process by its id and waits for it to exit.
/// </summary>
public sealed class ApiServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(2);
    private readonly Process process;
    private readonly StringBuilder log = new();

    private ApiServerProcess(Process process, Uri address)
    {
        this.process = process;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
    }

    public HttpClient Client { get; }

    public int ProcessId => process.Id;

    /// <summary>What the process printed so far (for failure messages).</summary>
    public string Log
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    /// <summary>Starts the API with <paramref name="environment"/> (ImageFinder__* settings) and waits until it is ready.</summary>
    public static async Task<ApiServerProcess> StartAsync(IReadOnlyDictionary<string, string?> environment)
    {
        var port = FreePort();
        var start = new ProcessStartInfo(DotnetHost)
        {
            WorkingDirectory = Path.GetDirectoryName(ApiProcess.ApiDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(ApiProcess.ApiDll);
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ImageFinder__RateLimitPerSecond"] = "0";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var server = new ApiServerProcess(new Process { StartInfo = start }, new Uri($"http://127.0.0.1:{port}/"));
        server.process.OutputDataReceived += (_, line) => server.Keep(line.Data);
        server.process.ErrorDataReceived += (_, line) => server.Keep(line.Data);
        server.process.Start();
        server.process.BeginOutputReadLine();
        server.process.BeginErrorReadLine();
        try
        {
            await server.WaitUntilReadyAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync();
        process.Dispose();
    }

    private async Task WaitUntilReadyAsync()
    {
        using var deadline = new CancellationTokenSource(ReadyTimeout);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The API exited with {process.ExitCode} before it was ready:{Environment.NewLine}{Log}");
            }

            try
            {
                using var health = await Client.GetAsync("/health", deadline.Token);
                if (health.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"The API was not ready within {ReadyTimeout.TotalSeconds:F0} s:{Environment.NewLine}{Log}");
            }

            await Task.Delay(100, deadline.Token);
        }
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.AppendLine(line);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
}
