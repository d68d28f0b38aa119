using System.Diagnostics;

namespace ImageFinder.Tests.Support.Browser;

/// <summary>
/// Headless Chromium (Debian's <c>chromium</c>, or the path in <c>CHROMIUM</c>) started with a DevTools port
/// chosen by the browser (read back from DevToolsActivePort) and a throw-away profile.
/// </summary>
public sealed class ChromiumBrowser : IAsyncDisposable
{
    private readonly Process process;
    private readonly TempFolder profile;

    private ChromiumBrowser(Process process, TempFolder profile, DevToolsConnection connection)
    {
        this.process = process;
        this.profile = profile;
        Connection = connection;
    }

    public DevToolsConnection Connection { get; }

    /// <summary>The browser to run, or a message that says how to get one.</summary>
    public static string FindExecutable()
    {
        var configured = Environment.GetEnvironmentVariable("CHROMIUM");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(configured)
                ? configured
                : throw new InvalidOperationException($"CHROMIUM is set to '{configured}', which does not exist.");
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var name in new[] { "chromium", "chromium-browser", "google-chrome", "google-chrome-stable" })
        {
            foreach (var folder in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
            {
                var candidate = Path.Combine(folder, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new InvalidOperationException(
            "The browser tests need headless Chromium and none was found: install it (apt-get install -y chromium; " +
            "./test.sh does this when run as root) or set CHROMIUM to the browser's path.");
    }

    public static async Task<ChromiumBrowser> LaunchAsync()
    {
        var executable = FindExecutable();
        var profile = new TempFolder();
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--headless=new", "--remote-debugging-port=0", "--user-data-dir=" + profile.Path,
            "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
            "--disable-sync", "--disable-dev-shm-usage", "--mute-audio", "--hide-scrollbars", "--window-size=1280,900",
            // Root (CI containers) cannot use the sandbox; the browser only opens pages of the test host.
            "--no-sandbox",
            // WebGL (the 3D map) on machines without a GPU.
            "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
            "about:blank",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {executable}.");
        var lines = new List<string>();
        process.ErrorDataReceived += (_, e) => Collect(lines, e.Data);
        process.OutputDataReceived += (_, e) => Collect(lines, e.Data);
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            var portFile = Path.Combine(profile.Path, "DevToolsActivePort");
            var deadline = DateTime.UtcNow.AddSeconds(60);
            string[]? port = null;
            while (port is null)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"{executable} exited with code {process.ExitCode} at start: {Tail(lines)}");
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"{executable} did not open its DevTools port within 60 s: {Tail(lines)}");
                }

                if (File.Exists(portFile))
                {
                    var content = await File.ReadAllLinesAsync(portFile);
                    port = content.Length >= 2 && content[1].Length > 0 ? content : null;
                }

                if (port is null)
                {
                    await Task.Delay(100);
                }
            }

            var connection = await DevToolsConnection.ConnectAsync(new Uri($"ws://127.0.0.1:{port[0]}{port[1]}"));
            return new ChromiumBrowser(process, profile, connection);
        }
        catch
        {
            Stop(process);
            process.Dispose();
            profile.Dispose();
            throw;
        }
    }

    /// <summary>A new tab, with its own DevTools session.</summary>
    public Task<BrowserPage> NewPageAsync() => BrowserPage.OpenAsync(Connection);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Connection.SendAsync("Browser.close").WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is TimeoutException or IOException or InvalidOperationException)
        {
            // Killed below.
        }

        await Connection.DisposeAsync();
        if (!process.WaitForExit(5000))
        {
            Stop(process);
        }

        process.Dispose();
        profile.Dispose();
    }

    private static void Collect(List<string> lines, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (lines)
        {
            lines.Add(line);
            if (lines.Count > 50)
            {
                lines.RemoveAt(0);
            }
        }
    }

    private static string Tail(List<string> lines)
    {
        lock (lines)
        {
            return string.Join(" | ", lines.TakeLast(10));
        }
    }

    private static void Stop(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
