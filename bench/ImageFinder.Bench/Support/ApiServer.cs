using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using ImageFinder.Api.Health;

namespace ImageFinder.Bench.Support;

/// <summary>
/// The real API host (the ImageFinder.Api build, started with <c>dotnet ImageFinder.Api.dll</c>) on a free
/// loopback port: Kestrel, the whole middleware pipeline and a real TCP connection, as in production.
/// </summary>
internal sealed class ApiServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    private readonly ChildProcess process;

    private ApiServer(ChildProcess process, Uri address)
    {
        this.process = process;
        Address = address;
    }

    public Uri Address { get; }

    public int ProcessId => process.Id;

    /// <summary>
    /// Starts the API on <paramref name="database"/> with the benchmark model, and waits until /health says ready.
    /// <paramref name="store"/> adds or overrides settings (names without the section, nested ones with <c>__</c>:
    /// <c>Store</c>, <c>Garnet__Endpoints</c>, <c>Garnet__Prefix</c> to serve a Garnet collection instead).
    /// </summary>
    public static Task<ApiServer> StartAsync(BenchContext context, string database, long expectedImages, IReadOnlyDictionary<string, string>? store = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["IntraOpThreads"] = context.Threads.ToString(CultureInfo.InvariantCulture),
            ["MaxBatchSize"] = context.BatchSize.ToString(CultureInfo.InvariantCulture),
            // Every benchmark client is 127.0.0.1, one rate-limit partition: the limit would cap the 8-client runs.
            ["RateLimitPerSecond"] = "0",
        };
        foreach (var (name, value) in store ?? new Dictionary<string, string>())
        {
            settings[name] = value;
        }

        return StartAsync(context.Paths.ApiDll, database, context.Model.Path, settings, expectedImages);
    }

    /// <summary>Starts the API build <paramref name="apiDll"/> with ImageFinder settings (names without the section), and waits until /health says ready.</summary>
    public static async Task<ApiServer> StartAsync(string apiDll, string database, string modelPath, IReadOnlyDictionary<string, string> settings, long expectedImages)
    {
        var port = FreePort();
        var address = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ImageFinder__Database"] = database,
            ["ImageFinder__ModelPath"] = modelPath,
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (name, value) in settings)
        {
            environment["ImageFinder__" + name] = value;
        }

        var process = ChildProcess.Start(
            BenchPaths.DotnetHost,
            [apiDll, "--urls", address.ToString().TrimEnd('/')],
            Path.GetDirectoryName(apiDll)!,
            environment);
        var server = new ApiServer(process, address);
        try
        {
            await server.WaitReadyAsync(expectedImages);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>The API process's peak resident set size so far (VmHWM).</summary>
    public long PeakResidentBytes() =>
        process.PeakResidentBytes() ?? throw new InvalidOperationException("The API process has exited: " + process.OutputTail);

    /// <summary>The API process's resident set size now (VmRSS).</summary>
    public long ResidentBytes() =>
        ProcessMemory.ResidentBytes(process.Id) ?? throw new InvalidOperationException("The API process has exited: " + process.OutputTail);

    /// <summary>The file-backed part of the API process's resident set now (RssFile: the memory-mapped database, libraries).</summary>
    public long FileBackedBytes() =>
        ProcessMemory.FileBackedBytes(process.Id) ?? throw new InvalidOperationException("The API process has exited: " + process.OutputTail);

    public async ValueTask DisposeAsync()
    {
        await process.StopAsync();
        process.Dispose();
    }

    /// <summary>A TCP port free on the loopback interface now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private async Task WaitReadyAsync(long expectedImages)
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(10) };
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < StartTimeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The API exited with code {process.ExitCode} while starting:{Environment.NewLine}{process.OutputTail}");
            }

            try
            {
                using var response = await http.GetAsync("health");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    var health = await response.Content.ReadFromJsonAsync<HealthResponse>();
                    if (health?.Images != expectedImages)
                    {
                        throw new InvalidOperationException($"The API is ready with {health?.Images} images; the benchmark database holds {expectedImages}.");
                    }

                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The API did not become ready within {StartTimeout.TotalSeconds:F0} s:{Environment.NewLine}{process.OutputTail}");
    }
}
