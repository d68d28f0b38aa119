using System.Text.Json;

namespace ImageFinder.Tests.Support.Browser;

/// <summary>
/// One tab driven over DevTools: navigate, evaluate JavaScript, wait for a condition, set a file input,
/// emulate a phone, take screenshots. It records console errors, uncaught exceptions and Content Security
/// Policy violations (from the browser's log and from <c>securitypolicyviolation</c> events).
/// </summary>
public sealed class BrowserPage
{
    private const string ViolationRecorder = """
        window.__cspViolations = [];
        document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI}`));
        """;

    private readonly DevToolsConnection connection;
    private readonly string sessionId;
    private readonly List<string> errors = [];
    private readonly List<string> violations = [];

    private BrowserPage(DevToolsConnection connection, string sessionId)
    {
        this.connection = connection;
        this.sessionId = sessionId;
        connection.Event += OnEvent;
    }

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

    public static async Task<BrowserPage> OpenAsync(DevToolsConnection connection)
    {
        var target = await connection.SendAsync("Target.createTarget", new { url = "about:blank" });
        var attached = await connection.SendAsync("Target.attachToTarget", new { targetId = target.GetProperty("targetId").GetString(), flatten = true });
        var page = new BrowserPage(connection, attached.GetProperty("sessionId").GetString()!);
        await page.Send("Page.enable");
        await page.Send("Runtime.enable");
        await page.Send("Log.enable");
        await page.Send("Page.addScriptToEvaluateOnNewDocument", new { source = ViolationRecorder });
        return page;
    }

    /// <summary>Content Security Policy violations: from the browser's log, and those the current document recorded.</summary>
    public async Task<IReadOnlyList<string>> CspViolationsAsync()
    {
        var recorded = await EvaluateAsync<string[]>("window.__cspViolations || []");
        lock (violations)
        {
            return [.. violations, .. recorded];
        }
    }

    public async Task NavigateAsync(string url)
    {
        var result = await Send("Page.navigate", new { url });
        if (result.TryGetProperty("errorText", out var error) && error.GetString() is { Length: > 0 } text)
        {
            throw new InvalidOperationException($"Navigation to {url} failed: {text}");
        }

        await WaitForAsync("document.readyState === 'complete'");
    }

    /// <summary>Evaluates <paramref name="expression"/> (awaiting a promise) and returns its value as JSON.</summary>
    public async Task<T> EvaluateAsync<T>(string expression)
    {
        var result = await Send("Runtime.evaluate", new { expression, returnByValue = true, awaitPromise = true });
        if (result.TryGetProperty("exceptionDetails", out var exception))
        {
            throw new InvalidOperationException($"JavaScript failed: {expression}: {exception.GetRawText()}");
        }

        var value = result.GetProperty("result");
        return value.TryGetProperty("value", out var json) ? json.Deserialize<T>()! : default!;
    }

    /// <summary>Polls until <paramref name="condition"/> is truthy; on timeout says what the page shows.</summary>
    public async Task WaitForAsync(string condition, int timeoutSeconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        string? lastFailure = null;
        while (true)
        {
            try
            {
                if (await EvaluateAsync<bool>($"!!({condition})"))
                {
                    return;
                }
            }
            catch (InvalidOperationException e)
            {
                // While a navigation replaces the document the condition can throw, or its context can vanish: ask again.
                lastFailure = e.Message;
            }

            if (DateTime.UtcNow > deadline)
            {
                var text = await EvaluateAsync<string>("document.body ? document.body.innerText.slice(0, 500) : ''");
                throw new TimeoutException(
                    $"Waited {timeoutSeconds} s for `{condition}`. Page text: {text}. Errors: {string.Join(" | ", Errors)}. Last failure: {lastFailure}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Sets the files of the <c>input type=file</c> matched by <paramref name="selector"/> (fires its change event).</summary>
    public async Task SetInputFilesAsync(string selector, params string[] paths)
    {
        var document = await Send("DOM.getDocument", new { depth = 0 });
        var root = document.GetProperty("root").GetProperty("nodeId").GetInt32();
        var node = await Send("DOM.querySelector", new { nodeId = root, selector });
        var nodeId = node.GetProperty("nodeId").GetInt32();
        if (nodeId == 0)
        {
            throw new InvalidOperationException($"No element matches {selector}.");
        }

        await Send("DOM.setFileInputFiles", new { files = paths, nodeId });
    }

    /// <summary>Moves the mouse to the centre of the element matched by <paramref name="selector"/> (and clicks when asked), as a user would.</summary>
    public async Task PointAtAsync(string selector, bool click = false)
    {
        var centre = await EvaluateAsync<double[]>(
            $"(() => {{ const r = document.querySelector({JsonSerializer.Serialize(selector)}).getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()");
        await Send("Input.dispatchMouseEvent", new { type = "mouseMoved", x = centre[0], y = centre[1] });
        if (click)
        {
            await Send("Input.dispatchMouseEvent", new { type = "mousePressed", x = centre[0], y = centre[1], button = "left", clickCount = 1 });
            await Send("Input.dispatchMouseEvent", new { type = "mouseReleased", x = centre[0], y = centre[1], button = "left", clickCount = 1 });
        }
    }

    public Task SetViewportAsync(int width, int height, bool mobile) =>
        Send("Emulation.setDeviceMetricsOverride", new { width, height, deviceScaleFactor = 1, mobile });

    /// <summary>A PNG of the whole page (beyond the viewport too), written to <paramref name="path"/>.</summary>
    public async Task ScreenshotAsync(string path)
    {
        var shot = await Send("Page.captureScreenshot", new { format = "png", captureBeyondViewport = true });
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllBytesAsync(path, Convert.FromBase64String(shot.GetProperty("data").GetString()!));
    }

    private Task<JsonElement> Send(string method, object? parameters = null) => connection.SendAsync(method, parameters, sessionId);

    private void OnEvent(string method, JsonElement parameters, string? session)
    {
        if (session != sessionId)
        {
            return;
        }

        switch (method)
        {
            case "Log.entryAdded":
                var entry = parameters.GetProperty("entry");
                var text = entry.GetProperty("text").GetString() ?? string.Empty;
                if (text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
                {
                    lock (violations)
                    {
                        violations.Add(text);
                    }
                }

                if (entry.GetProperty("level").GetString() == "error")
                {
                    Record($"{entry.GetProperty("source").GetString()}: {text} {(entry.TryGetProperty("url", out var url) ? url.GetString() : string.Empty)}");
                }

                break;
            case "Runtime.exceptionThrown":
                var details = parameters.GetProperty("exceptionDetails");
                Record("exception: " + (details.TryGetProperty("exception", out var exception) && exception.TryGetProperty("description", out var description)
                    ? description.GetString()
                    : details.GetProperty("text").GetString()));
                break;
            case "Runtime.consoleAPICalled" when parameters.GetProperty("type").GetString() == "error":
                Record("console.error: " + string.Join(' ', parameters.GetProperty("args").EnumerateArray().Select(a =>
                    a.TryGetProperty("value", out var v) ? v.ToString() : a.TryGetProperty("description", out var d) ? d.GetString() : "?")));
                break;
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
