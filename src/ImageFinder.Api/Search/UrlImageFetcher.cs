using ImageFinder.Api.Hosting;
using ImageFinder.Configuration;
using ImageFinder.Download;
using Microsoft.Extensions.Options;

namespace ImageFinder.Api.Search;

/// <summary>
/// Fetches the image of <c>POST /search/url</c> with the download job's safe client: size limit enforced while
/// streaming, redirects checked hop by hop, one retry for transient failures, a time limit, and (unless
/// <see cref="ApiOptions.AllowPrivateUrls"/>) no connection to loopback, private or link-local addresses,
/// whatever the host name resolves to.
/// </summary>
public sealed class UrlImageFetcher : IDisposable
{
    private readonly SafeHttpDownloader downloader;

    public UrlImageFetcher(IOptions<ImageFinderOptions> settings, IOptions<ApiOptions> api)
    {
        downloader = new SafeHttpDownloader(new DownloadOptions
        {
            MaxBytes = settings.Value.MaxUploadBytes,
            MaxImagePixels = settings.Value.MaxImagePixels,
            MaxRetries = 1,
            BaseDelay = TimeSpan.FromMilliseconds(200),
            MaxDelay = TimeSpan.FromSeconds(1),
            MaxRetryAfter = TimeSpan.FromSeconds(1),
            RequestTimeout = TimeSpan.FromSeconds(api.Value.UrlFetchTimeoutSeconds),
            BlockInternalAddresses = !api.Value.AllowPrivateUrls,
            UserAgent = "ImageFinder/1.0 (search by URL)",
        });
    }

    /// <summary>The image's bytes, or why there are none (Refused: the URL itself is malformed, so nothing was tried).</summary>
    public async Task<(byte[]? Bytes, string? Problem, bool Refused)> FetchAsync(string? url, CancellationToken cancellationToken)
    {
        if (UrlPolicy.Parse(url ?? string.Empty, out var problem) is not { } uri)
        {
            return (null, $"'url' is not usable: {problem}.", true);
        }

        var temporary = Path.Combine(Path.GetTempPath(), "imagefinder-url-" + Guid.NewGuid().ToString("N"));
        try
        {
            var result = await downloader.DownloadAsync(uri, temporary, cancellationToken);
            if (!result.Succeeded)
            {
                return (null, $"{uri.GetLeftPart(UriPartial.Path)}: {result.Failure}", false);
            }

            return (await File.ReadAllBytesAsync(temporary, cancellationToken), null, false);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public void Dispose() => downloader.Dispose();
}
