namespace ImageFinder.Download;

/// <summary>Limits and resilience settings of a download job. The defaults suit real servers; tests shrink the delays.</summary>
public sealed record DownloadOptions
{
    /// <summary>Downloads in flight at once; default: two per core.</summary>
    public int Concurrency { get; init; } = 2 * Environment.ProcessorCount;

    /// <summary>Open connections to one host at most (SocketsHttpHandler.MaxConnectionsPerServer).</summary>
    public int MaxConnectionsPerHost { get; init; } = 8;

    /// <summary>Retries after the first attempt, for transient failures only (5xx, 408, 429, timeouts, broken connections).</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>First retry delay; it doubles on every retry, with jitter.</summary>
    public TimeSpan BaseDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest backoff delay between two attempts.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest wait a server's <c>Retry-After</c> header can ask for; longer values are capped to this.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time limit of one attempt: connecting, every redirect hop, the headers and the whole body.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Redirects followed at most; one more is a failure ("too many redirects").</summary>
    public int MaxRedirects { get; init; } = 5;

    /// <summary>Largest file accepted; checked against Content-Length first and enforced while the body streams.</summary>
    public long MaxBytes { get; init; } = 20L * 1024 * 1024;

    /// <summary>Largest width × height an image's header may declare.</summary>
    public long MaxImagePixels { get; init; } = 100_000_000;

    /// <summary>Share of failed attempts to one host, within <see cref="CircuitSamplingDuration"/>, that opens its circuit.</summary>
    public double CircuitFailureRatio { get; init; } = 0.5;

    /// <summary>Attempts to one host within the sampling window before its circuit may open.</summary>
    public int CircuitMinimumThroughput { get; init; } = 20;

    /// <summary>Window over which a host's failure ratio is measured.</summary>
    public TimeSpan CircuitSamplingDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit fails requests to its host at once, before letting one through to test it.</summary>
    public TimeSpan CircuitBreakDuration { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The User-Agent header sent with every request (some image hosts refuse requests without one).</summary>
    public string UserAgent { get; init; } = "ImageFinder/1.0 (image downloader)";

    /// <summary>
    /// Refuse to connect to loopback, private and link-local addresses, checked on the addresses the host name
    /// resolves to at connect time (so DNS cannot point a public-looking name inside). For URLs that strangers
    /// send; a CSV job's author may fetch from their own network.
    /// </summary>
    public bool BlockInternalAddresses { get; init; }

    /// <summary>The first invalid setting, described; null when every setting is usable.</summary>
    public string? Validate()
    {
        if (Concurrency < 1)
        {
            return "Concurrency must be at least 1.";
        }

        if (MaxConnectionsPerHost < 1)
        {
            return "MaxConnectionsPerHost must be at least 1.";
        }

        if (MaxRetries < 0)
        {
            return "MaxRetries must be 0 or more.";
        }

        if (BaseDelay < TimeSpan.Zero || MaxDelay < BaseDelay || MaxRetryAfter < TimeSpan.Zero)
        {
            return "BaseDelay and MaxRetryAfter must not be negative, and MaxDelay must be at least BaseDelay.";
        }

        if (RequestTimeout < TimeSpan.FromMilliseconds(10))
        {
            return "RequestTimeout must be at least 10 ms.";
        }

        if (MaxRedirects < 0)
        {
            return "MaxRedirects must be 0 or more.";
        }

        if (MaxBytes < 1 || MaxImagePixels < 1)
        {
            return "MaxBytes and MaxImagePixels must be at least 1.";
        }

        if (CircuitFailureRatio is <= 0 or > 1 || CircuitMinimumThroughput < 2)
        {
            return "CircuitFailureRatio must be in (0, 1] and CircuitMinimumThroughput at least 2.";
        }

        if (CircuitSamplingDuration < TimeSpan.FromMilliseconds(500) || CircuitBreakDuration < TimeSpan.FromMilliseconds(500))
        {
            return "CircuitSamplingDuration and CircuitBreakDuration must be at least 0.5 s.";
        }

        return null;
    }
}
