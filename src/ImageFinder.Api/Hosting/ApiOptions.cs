using System.ComponentModel.DataAnnotations;
using ImageFinder.Configuration;

namespace ImageFinder.Api.Hosting;

/// <summary>Settings only the HTTP service has, read from the same <c>ImageFinder</c> section as <see cref="ImageFinderOptions"/>.</summary>
public sealed class ApiOptions : IValidatableObject
{
    /// <summary>
    /// The key that endpoints which change the collection require in the <c>X-Api-Key</c> header. Unset:
    /// those endpoints answer 403, so writes are never open by accident.
    /// </summary>
    [MinLength(16, ErrorMessage = "ImageFinder:ApiKey must be at least 16 characters (or unset, which disables writes).")]
    public string? ApiKey { get; set; }

    /// <summary>Require the API key for reads too (search, images, stats, metrics), not only for writes.</summary>
    public bool ProtectReads { get; set; }

    /// <summary>Serve <c>GET /metrics</c> (the Prometheus text format); off: the endpoint is not there (404) and nothing is collected.</summary>
    public bool Metrics { get; set; } = true;

    /// <summary>Where <c>POST /images</c> keeps the uploaded files; default: <c>uploads/</c> beside the database.</summary>
    public string? UploadsFolder { get; set; }

    /// <summary>Let <c>POST /search/url</c> fetch from loopback, private and link-local addresses (off: such URLs are refused).</summary>
    public bool AllowPrivateUrls { get; set; }

    /// <summary>Time allowed to fetch a URL for <c>POST /search/url</c>, in seconds.</summary>
    [Range(1, 300, ErrorMessage = "ImageFinder:UrlFetchTimeoutSeconds must be from 1 to 300.")]
    public int UrlFetchTimeoutSeconds { get; set; } = 15;

    /// <summary>Requests per second each client IP may make on average (token bucket); 0 turns rate limiting off.</summary>
    [Range(0, 1_000_000, ErrorMessage = "ImageFinder:RateLimitPerSecond must be from 0 (off) to 1000000.")]
    public int RateLimitPerSecond { get; set; } = 20;

    /// <summary>Requests a client IP may make in a burst before the average rate applies.</summary>
    [Range(1, 1_000_000, ErrorMessage = "ImageFinder:RateLimitBurst must be from 1 to 1000000.")]
    public int RateLimitBurst { get; set; } = 100;

    /// <summary>Longest time one request may take before it is cancelled and answered 503, in seconds.</summary>
    [Range(1, 3600, ErrorMessage = "ImageFinder:RequestTimeoutSeconds must be from 1 to 3600.")]
    public int RequestTimeoutSeconds { get; set; } = 30;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ProtectReads && string.IsNullOrEmpty(ApiKey))
        {
            yield return new ValidationResult(
                "ImageFinder:ProtectReads is on but ImageFinder:ApiKey is not set: no request could ever be served. Set a key or turn ProtectReads off.",
                [nameof(ProtectReads)]);
        }
    }

    /// <summary>The uploads folder, absolute: <see cref="UploadsFolder"/> or <c>uploads/</c> beside <paramref name="database"/>.</summary>
    public string ResolveUploadsFolder(string database) => Path.GetFullPath(
        string.IsNullOrWhiteSpace(UploadsFolder) ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(database))!, "uploads") : UploadsFolder);
}
