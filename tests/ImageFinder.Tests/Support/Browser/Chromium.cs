using Microsoft.Playwright;

namespace ImageFinder.Tests.Support.Browser;

/// <summary>
/// Microsoft.Playwright driving the system's Chromium (Debian's <c>chromium</c>, or the path in <c>CHROMIUM</c>)
/// through <see cref="BrowserTypeLaunchOptions.ExecutablePath"/>: Playwright's own browsers are never downloaded.
/// One browser per test class; each test gets its own context (<see cref="NewTabAsync"/>).
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    /// <summary>Debian's browser binary; <c>/usr/bin/chromium</c> is a wrapper script around it.</summary>
    public const string DebianChromium = "/usr/lib/chromium/chromium";

    private static readonly string[] Arguments =
    [
        // Root (CI containers) cannot use the sandbox; the browser only opens pages of the test host.
        "--no-sandbox",
        // The network here is closed: no background connections (they are refused and logged otherwise).
        "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        // WebGL (the 3D map) in software on machines without a GPU.
        "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
    ];

    private IPlaywright? playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>The browser to run, or an exception whose message says how to get one.</summary>
    public static string FindExecutable()
    {
        var configured = Environment.GetEnvironmentVariable("CHROMIUM");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(configured)
                ? configured
                : throw new InvalidOperationException($"CHROMIUM is set to '{configured}', which does not exist.");
        }

        if (File.Exists(DebianChromium))
        {
            return DebianChromium;
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
            $"The browser tests need headless Chromium and none was found ({DebianChromium}, or chromium on PATH): " +
            "install chromium: apt-get install chromium (./test.sh does this when run as root), or set CHROMIUM to the browser's path. " +
            "Playwright's own browser download is not used.");
    }

    public async Task InitializeAsync()
    {
        var executable = FindExecutable();
        // Waits (Expect, actions) get 60 s: t-SNE on a busy 2-core machine takes a while.
        Assertions.SetDefaultExpectTimeout(60_000);
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = executable,
            Headless = true,
            Args = Arguments,
        });
    }

    /// <summary>A new tab in a context of its own (1280×900 unless <paramref name="options"/> say otherwise).</summary>
    public async Task<BrowserTab> NewTabAsync(BrowserNewContextOptions? options = null)
    {
        var context = await Browser.NewContextAsync(options ?? new() { ViewportSize = new() { Width = 1280, Height = 900 } });
        context.SetDefaultTimeout(60_000);
        return await BrowserTab.OpenAsync(context);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        playwright?.Dispose();
    }
}

/// <summary>
/// One page in its own context. It records console errors, uncaught exceptions and Content Security Policy
/// violations (from the browser's console and from <c>securitypolicyviolation</c> events).
/// </summary>
public sealed class BrowserTab : IAsyncDisposable
{
    private const string ViolationRecorder = """
        window.__cspViolations = [];
        document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI}`));
        """;

    private readonly IBrowserContext context;
    private readonly List<string> errors = [];
    private readonly List<string> violations = [];

    private BrowserTab(IBrowserContext context, IPage page)
    {
        this.context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                lock (violations)
                {
                    violations.Add(message.Text);
                }
            }

            if (message.Type == "error")
            {
                Record($"console.error: {message.Text} {message.Location}");
            }
        };
        page.PageError += (_, error) => Record("exception: " + error);
    }

    public IPage Page { get; }

    /// <summary>Console errors and uncaught exceptions so far.</summary>
    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (errors)
            {
                return [.. errors];
            }
        }
    }

    public static async Task<BrowserTab> OpenAsync(IBrowserContext context)
    {
        await context.AddInitScriptAsync(ViolationRecorder);
        return new BrowserTab(context, await context.NewPageAsync());
    }

    /// <summary>Content Security Policy violations: from the browser's console, and those the current document recorded.</summary>
    public async Task<IReadOnlyList<string>> CspViolationsAsync()
    {
        var recorded = await Page.EvaluateAsync<string[]>("window.__cspViolations || []");
        lock (violations)
        {
            return [.. violations, .. recorded];
        }
    }

    /// <summary>Waits (Playwright's auto-retrying assertion) until the page's body carries <c>data-{name}="{value}"</c>, the page's own progress signal.</summary>
    public Task BodyAsync(string name, string value) =>
        ExplainedAsync(() => Assertions.Expect(Page.Locator("body")).ToHaveAttributeAsync($"data-{name}", value));

    /// <summary>
    /// Waits (Playwright's auto-retrying assertions) until every image matching <paramref name="selector"/> has finished
    /// loading, then says whether all of them decoded (<c>naturalWidth</c> &gt; 0). Not <c>WaitForFunctionAsync</c>: its
    /// string predicate is evaluated inside the page, which the page's CSP (no <c>unsafe-eval</c>) sometimes refuses.
    /// </summary>
    public async Task<bool> ImagesLoadedAsync(string selector)
    {
        var images = Page.Locator(selector);
        var count = await images.CountAsync();
        for (var i = 0; i < count; i++)
        {
            await ExplainedAsync(() => Assertions.Expect(images.Nth(i)).ToHaveJSPropertyAsync("complete", true));
        }

        return count > 0 && await images.EvaluateAllAsync<bool>("all => all.every(i => i.naturalWidth > 0)");
    }

    /// <summary>A PNG of the whole page (beyond the viewport too).</summary>
    public Task ScreenshotAsync(string path) => Page.ScreenshotAsync(new() { Path = path, FullPage = true });

    public ValueTask DisposeAsync() => new(context.CloseAsync());

    /// <summary>A failed wait says what the page shows and which errors it logged.</summary>
    private async Task ExplainedAsync(Func<Task> wait)
    {
        try
        {
            await wait();
        }
        catch (PlaywrightException e)
        {
            string text;
            try
            {
                text = await Page.EvaluateAsync<string>("document.body ? document.body.innerText.slice(0, 500) : ''");
            }
            catch (PlaywrightException)
            {
                text = "(unreadable)";
            }

            throw new PlaywrightException($"{e.Message}\nPage text: {text}\nErrors: {string.Join(" | ", Errors)}", e);
        }
    }

    private void Record(string error)
    {
        lock (errors)
        {
            errors.Add(error);
        }
    }
}
