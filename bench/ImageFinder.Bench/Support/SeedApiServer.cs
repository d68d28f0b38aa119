using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace ImageFinder.Bench.Support;

/// <summary>
/// The Python seed's API (bench/peers/seed_app.py: FastAPI served by uvicorn, one worker, in the process the harness
/// starts) on a free loopback port, serving the database the seed's ingest wrote.
/// </summary>
internal sealed class SeedApiServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    private readonly ChildProcess process;

    private SeedApiServer(ChildProcess process, Uri address, IReadOnlyList<string> arguments)
    {
        this.process = process;
        Address = address;
        Arguments = arguments;
    }

    public Uri Address { get; }

    public int ProcessId => process.Id;

    /// <summary>The command line after the interpreter (for the report).</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>Starts the seed's app on <paramref name="database"/> and waits until /health counts <paramref name="expectedImages"/>.</summary>
    public static async Task<SeedApiServer> StartAsync(SeedStack seed, string database, long expectedImages, string workingDirectory)
    {
        var port = ApiServer.FreePort();
        var address = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        string[] arguments =
        [
            seed.AppScript, "--db", database, "--weights", seed.StateDict, "--vec0", seed.Vec0,
            "--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture),
        ];
        var process = ChildProcess.Start(seed.Python, arguments, workingDirectory);
        var server = new SeedApiServer(process, address, arguments);
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

    /// <summary>The server process's peak resident set size so far (VmHWM).</summary>
    public long PeakResidentBytes() =>
        process.PeakResidentBytes() ?? throw new InvalidOperationException("The seed's API process has exited: " + process.OutputTail);

    public async ValueTask DisposeAsync()
    {
        await process.StopAsync();
        process.Dispose();
    }

    private async Task WaitReadyAsync(long expectedImages)
    {
        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(10) };
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed < StartTimeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The seed's API exited with code {process.ExitCode} while starting:{Environment.NewLine}{process.OutputTail}");
            }

            try
            {
                using var response = await http.GetAsync("health");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    using var health = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    var images = health.RootElement.GetProperty("images").GetInt64();
                    if (images != expectedImages)
                    {
                        throw new InvalidOperationException($"The seed's API is ready with {images} images; its database should hold {expectedImages}.");
                    }

                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet (torch and the model load first).
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"The seed's API did not become ready within {StartTimeout.TotalSeconds:F0} s:{Environment.NewLine}{process.OutputTail}");
    }
}
