using System.Buffers;
using System.Net;
using System.Net.Sockets;
using ImageFinder.Imaging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Retry;
using Polly.Timeout;

namespace ImageFinder.Download;

/// <summary>
/// Fetches one URL into a temporary file and verifies it, over one shared <see cref="HttpClient"/>. Every
/// attempt runs through the host's Polly pipeline: retry (exponential backoff with jitter, honouring
/// <c>Retry-After</c>) around a circuit breaker around a per-attempt timeout. Transient failures (5xx, 408,
/// 429, timeouts, broken connections, truncated bodies) are retried; other 4xx answers and rejected
/// downloads are not. Redirects are followed here, not by the handler, so that each hop is counted and its
/// scheme and host checked. The body streams to disk with the size limit enforced as it arrives; the file
/// counts as downloaded only when its length matches Content-Length, its bytes or content type say image,
/// and libvips can parse its header. Thread-safe; one instance serves a whole job.
/// </summary>
public sealed class SafeHttpDownloader : IDisposable
{
    private const int BufferSize = 81920;

    private readonly DownloadOptions options;
    private readonly HttpClient client;
    private readonly ResiliencePipelineRegistry<string> pipelines = new();

    public SafeHttpDownloader(DownloadOptions options)
    {
        if (options.Validate() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }

        this.options = options;
        client = CreateClient(options);
        client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", options.UserAgent);
        client.DefaultRequestHeaders.TryAddWithoutValidation("Accept", "image/*, */*;q=0.5");
    }

    /// <summary>
    /// Downloads <paramref name="uri"/> into <paramref name="tempPath"/> (created or overwritten) and verifies
    /// it. Failures are returned, not thrown; only cancellation throws. The caller owns the temporary file,
    /// whatever the outcome.
    /// </summary>
    public async Task<DownloadResult> DownloadAsync(Uri uri, string tempPath, CancellationToken cancellationToken = default)
    {
        if (UrlPolicy.Parse(uri.AbsoluteUri, out var problem) is null)
        {
            return DownloadResult.Failed(problem!, 0);
        }

        var attempt = new Attempt(this, uri, tempPath);
        var pipeline = pipelines.GetOrAddPipeline<HttpResponseMessage>(uri.Authority, Configure);
        try
        {
            using var response = await pipeline.ExecuteAsync(static (state, token) => state.Owner.AttemptAsync(state, token), attempt, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return DownloadResult.Failed($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd(), attempt.Count);
            }

            var extension = await VerifyAsync(tempPath, response.Content.Headers.ContentType?.MediaType, cancellationToken).ConfigureAwait(false);
            return DownloadResult.Success(extension, attempt.Bytes, attempt.Count);
        }
        catch (DownloadRejectedException e)
        {
            return DownloadResult.Failed(e.Message, attempt.Count);
        }
        catch (TimeoutRejectedException)
        {
            return DownloadResult.Failed($"timed out: no complete response within {options.RequestTimeout.TotalSeconds:0.###} s", attempt.Count);
        }
        catch (BrokenCircuitException)
        {
            return DownloadResult.Failed($"circuit open for {uri.Authority}: too many recent failures from this host, not tried; run again later", attempt.Count);
        }
        catch (TruncatedBodyException e)
        {
            return DownloadResult.Failed(e.Message, attempt.Count);
        }
        catch (HttpRequestException e) when (e.InnerException is DownloadRejectedException rejected)
        {
            return DownloadResult.Failed(rejected.Message, attempt.Count);
        }
        catch (HttpRequestException e)
        {
            return DownloadResult.Failed("request failed: " + (e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message), attempt.Count);
        }
        catch (IOException e) when (!cancellationToken.IsCancellationRequested)
        {
            return DownloadResult.Failed("I/O error: " + e.Message, attempt.Count);
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or ArgumentException or FormatException)
        {
            // A URL or an answer the HTTP stack itself refuses: still one failed URL, never a crashed job.
            return DownloadResult.Failed("request failed: " + e.Message, attempt.Count);
        }
    }

    public void Dispose()
    {
        pipelines.Dispose();
        client.Dispose();
    }

    /// <summary>Connection limits, no automatic redirects (they are followed and checked by hand), no cookies, no decompression.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2000", Justification = "The HttpClient owns the handler (disposeHandler: true).")]
    private static HttpClient CreateClient(DownloadOptions options) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        MaxConnectionsPerServer = options.MaxConnectionsPerHost,
        ConnectTimeout = options.RequestTimeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        ConnectCallback = options.BlockInternalAddresses ? ConnectToPublicAddressAsync : null,
    }, disposeHandler: true)
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>Resolves the host and connects only to a public address; an internal one is refused, not tried.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2000", Justification = "The returned NetworkStream owns the socket; it is disposed on failure.")]
    private static async ValueTask<Stream> ConnectToPublicAddressAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        var allowed = addresses.Where(address => !UrlPolicy.IsInternal(address)).ToArray();
        if (allowed.Length == 0)
        {
            throw new DownloadRejectedException($"{host} is a loopback, private or link-local address; such URLs are not fetched");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.NoDelay = true;
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static bool IsTransient(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private void Configure(ResiliencePipelineBuilder<HttpResponseMessage> builder)
    {
        var transient = new PredicateBuilder<HttpResponseMessage>()
            .Handle<HttpRequestException>(e => e.InnerException is not DownloadRejectedException)
            .Handle<IOException>()
            .Handle<TimeoutRejectedException>()
            .HandleResult(response => IsTransient(response.StatusCode));

        if (options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = transient,
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.BaseDelay,
                MaxDelay = options.MaxDelay,
                DelayGenerator = args => new ValueTask<TimeSpan?>(RetryAfter(args.Outcome.Result, options.MaxRetryAfter, DateTimeOffset.UtcNow)),
            });
        }

        builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
        {
            ShouldHandle = transient,
            FailureRatio = options.CircuitFailureRatio,
            MinimumThroughput = options.CircuitMinimumThroughput,
            SamplingDuration = options.CircuitSamplingDuration,
            BreakDuration = options.CircuitBreakDuration,
        });
        builder.AddTimeout(options.RequestTimeout);
    }

    /// <summary>
    /// The wait a response's <c>Retry-After</c> header asks for (delta-seconds or an HTTP date, relative to
    /// <paramref name="now"/>), never negative and capped at <paramref name="cap"/>; null when there is none,
    /// so that the exponential backoff applies.
    /// </summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeSpan cap, DateTimeOffset now)
    {
        if (response?.Headers.RetryAfter is not { } header)
        {
            return null;
        }

        var wait = header.Delta ?? (header.Date - now) ?? TimeSpan.Zero;
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait > cap ? cap : wait;
    }

    /// <summary>One attempt: the request with its redirects, then (for a 2xx answer) the body into the temporary file.</summary>
    private async ValueTask<HttpResponseMessage> AttemptAsync(Attempt attempt, CancellationToken cancellationToken)
    {
        attempt.Count++;
        attempt.Bytes = 0;
        var response = await SendFollowingRedirectsAsync(attempt.Uri, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return response;
        }

        try
        {
            attempt.Bytes = await SaveBodyAsync(response, attempt.TempPath, cancellationToken).ConfigureAwait(false);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private async Task<HttpResponseMessage> SendFollowingRedirectsAsync(Uri uri, CancellationToken cancellationToken)
    {
        var current = uri;
        for (var hops = 0; ; hops++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, current);
            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!IsRedirect(response.StatusCode))
            {
                return response;
            }

            var location = response.Headers.Location;
            response.Dispose();
            if (hops >= options.MaxRedirects)
            {
                throw new DownloadRejectedException($"too many redirects (more than {options.MaxRedirects})");
            }

            if (location is null)
            {
                throw new DownloadRejectedException($"HTTP {(int)response.StatusCode} redirect without a Location header");
            }

            var next = location.IsAbsoluteUri ? location : new Uri(current, location);
            if (UrlPolicy.CheckRedirect(current, next) is { } refused)
            {
                throw new DownloadRejectedException(refused);
            }

            current = next;
        }
    }

    /// <summary>Streams the body into <paramref name="path"/>, enforcing the size limit as it arrives and checking Content-Length at the end.</summary>
    private async Task<long> SaveBodyAsync(HttpResponseMessage response, string path, CancellationToken cancellationToken)
    {
        var declared = response.Content.Headers.ContentLength;
        if (declared > options.MaxBytes)
        {
            throw new DownloadRejectedException($"too large: Content-Length is {declared} bytes, over the {options.MaxBytes}-byte limit");
        }

        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous);
                await using (file.ConfigureAwait(false))
                {
                    long received = 0;
                    while (true)
                    {
                        int read;
                        try
                        {
                            read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                        }
                        catch (IOException e) when (!cancellationToken.IsCancellationRequested)
                        {
                            throw new TruncatedBodyException(Truncated(received, declared), e);
                        }

                        if (read == 0)
                        {
                            break;
                        }

                        received += read;
                        if (received > options.MaxBytes)
                        {
                            throw new DownloadRejectedException($"too large: the body went past the {options.MaxBytes}-byte limit");
                        }

                        await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    }

                    if (declared is { } length && received != length)
                    {
                        throw new TruncatedBodyException(Truncated(received, length));
                    }

                    await file.FlushAsync(cancellationToken).ConfigureAwait(false);
                    file.Flush(flushToDisk: true);
                    return received;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string Truncated(long received, long? declared) => declared is { } length
        ? $"truncated body: received {received} of the {length} bytes that Content-Length announced"
        : $"truncated body: the connection closed after {received} bytes";

    /// <summary>Checks the downloaded bytes are an image: a known signature (or an image content type), and a header libvips parses.</summary>
    private async Task<string> VerifyAsync(string path, string? contentType, CancellationToken cancellationToken)
    {
        var bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        var extension = ImageFormatSniffer.FromMagic(bytes.AsSpan(0, Math.Min(bytes.Length, ImageFormatSniffer.HeaderLength)))
            ?? ImageFormatSniffer.FromContentType(contentType);
        if (extension is null)
        {
            throw new DownloadRejectedException(
                $"not an image: the content type is {contentType ?? "missing"} and the bytes are not JPEG, PNG, WebP, GIF, TIFF, HEIF or AVIF");
        }

        try
        {
            ImageHeader.Read(bytes, options.MaxImagePixels);
        }
        catch (ImageDecodeException e)
        {
            throw new DownloadRejectedException("not a readable image: " + e.Message);
        }

        return extension;
    }

    /// <summary>The state of one URL's download across its attempts.</summary>
    private sealed class Attempt(SafeHttpDownloader owner, Uri uri, string tempPath)
    {
        public SafeHttpDownloader Owner { get; } = owner;

        public Uri Uri { get; } = uri;

        public string TempPath { get; } = tempPath;

        public int Count { get; set; }

        public long Bytes { get; set; }
    }
}
