using System.Collections.Concurrent;
using System.Globalization;
using ImageFinder.Imaging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ImageFinder.Tests.Support;

/// <summary>
/// A real HTTP server on loopback (Kestrel, random port) that serves images and every kind of misbehaviour a
/// downloader meets, and counts the requests to each path.
/// </summary>
public sealed class TestImageServer : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, int> hits = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, byte[]> images = new(StringComparer.Ordinal);

    private TestImageServer(WebApplication app) => this.app = app;

    /// <summary>Like <c>http://127.0.0.1:41234</c>, no trailing slash.</summary>
    public string BaseUrl { get; private set; } = string.Empty;

    /// <summary>Requests received, all paths together.</summary>
    public int TotalHits => hits.Values.Sum();

    public static async Task<TestImageServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new TestImageServer(app);
        server.Map();
        await app.StartAsync();
        server.BaseUrl = app.Urls.First().TrimEnd('/');
        return server;
    }

    /// <summary>The absolute URL of <paramref name="path"/> (which starts with '/').</summary>
    public string Url(string path) => BaseUrl + path;

    /// <summary>Requests received for <paramref name="path"/> (the request path as Kestrel decodes it, which keeps %2F; case-insensitive).</summary>
    public int Hits(string path) => hits.TryGetValue(path, out var count) ? count : 0;

    /// <summary>The bytes <c>/png/{n}</c> serves.</summary>
    public byte[] Png(int pattern) => images.GetOrAdd("png" + pattern, _ => TestImages.Pattern(pattern, 64, 48));

    /// <summary>The bytes <c>/jpg/{n}</c> serves.</summary>
    public byte[] Jpeg(int pattern) => images.GetOrAdd("jpg" + pattern, _ => TestImages.Pattern(pattern, 64, 48, EncodedFormat.Jpeg));

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private int Count(HttpContext context) => hits.AddOrUpdate(context.Request.Path.Value ?? string.Empty, 1, (_, n) => n + 1);

    private static Task Send(HttpContext context, byte[] bytes, string contentType)
    {
        context.Response.ContentType = contentType;
        context.Response.ContentLength = bytes.Length;
        return context.Response.Body.WriteAsync(bytes).AsTask();
    }

    private void Map()
    {
        app.Use(async (context, next) =>
        {
            Count(context);
            await next(context);
        });

        // Good images, plain or through one redirect, with a generic content type, under any file name.
        app.MapGet("/png/{n:int}", (HttpContext c, int n) => Send(c, Png(n), "image/png"));
        app.MapGet("/jpg/{n:int}", (HttpContext c, int n) => Send(c, Jpeg(n), "image/jpeg"));
        app.MapGet("/octet/{n:int}", (HttpContext c, int n) => Send(c, Png(n), "application/octet-stream"));
        app.MapGet("/redirect/{n:int}", (HttpContext c, int n) => c.Response.Redirect($"/png/{n}"));
        app.MapGet("/files/{**name}", (HttpContext c) => Send(c, Png(50), "image/png"));

        // Transient failures: the first request fails, the next ones succeed.
        app.MapGet("/flaky/{n:int}", (HttpContext c, int n) =>
        {
            if (Hits(c.Request.Path.Value!) == 1)
            {
                c.Response.StatusCode = StatusCodes.Status500InternalServerError;
                return Task.CompletedTask;
            }

            return Send(c, Png(n), "image/png");
        });
        app.MapGet("/busy/{n:int}", (HttpContext c, int n) =>
        {
            if (Hits(c.Request.Path.Value!) == 1)
            {
                c.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                c.Response.Headers.RetryAfter = "1";
                return Task.CompletedTask;
            }

            return Send(c, Png(n), "image/png");
        });
        app.MapGet("/busy-date/{n:int}", (HttpContext c, int n) =>
        {
            if (Hits(c.Request.Path.Value!) == 1)
            {
                c.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                c.Response.Headers.RetryAfter = DateTimeOffset.UtcNow.AddSeconds(1).ToString("R", CultureInfo.InvariantCulture);
                return Task.CompletedTask;
            }

            return Send(c, Png(n), "image/png");
        });

        // Failures.
        app.MapGet("/always-500", (HttpContext c) => c.Response.StatusCode = StatusCodes.Status500InternalServerError);
        app.MapGet("/missing", (HttpContext c) => c.Response.StatusCode = StatusCodes.Status404NotFound);
        app.MapGet("/html", (HttpContext c) => Send(c, "<!doctype html><html><body>Not here</body></html>"u8.ToArray(), "text/html"));
        app.MapGet("/fake-png", (HttpContext c) => Send(c, [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4], "image/png"));
        app.MapGet("/loop", (HttpContext c) => c.Response.Redirect("/loop"));
        app.MapGet("/redirect-ftp", (HttpContext c) => c.Response.Redirect("ftp://127.0.0.1/image.png"));
        app.MapGet("/hang", async (HttpContext c) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, c.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The client gave up, as it should.
            }
        });
        app.MapGet("/truncated", async (HttpContext c) =>
        {
            var bytes = Png(60);
            c.Response.ContentType = "image/png";
            c.Response.ContentLength = bytes.Length;
            await c.Response.Body.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
            await c.Response.Body.FlushAsync();

            // Let the client read the headers and the first half before the reset (a reset can discard unread data).
            await Task.Delay(200);
            c.Abort();
        });
        app.MapGet("/chunked-big/{kb:int}", async (HttpContext c, int kb) =>
        {
            // No Content-Length: the size limit can only be enforced while the body streams.
            c.Response.ContentType = "image/png";
            var chunk = new byte[1024];
            Png(61).AsSpan(0, 64).CopyTo(chunk);
            for (var i = 0; i < kb && !c.RequestAborted.IsCancellationRequested; i++)
            {
                await c.Response.Body.WriteAsync(chunk, c.RequestAborted);
            }
        });
    }
}
