using ImageFinder.Api.Errors;
using ImageFinder.Api.Hosting;
using ImageFinder.Api.Security;
using ImageFinder.Api.Uploads;
using ImageFinder.Configuration;
using ImageFinder.Imaging;
using ImageFinder.Inference;
using ImageFinder.Search;
using ImageFinder.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace ImageFinder.Api.Search;

/// <summary><c>POST /search</c> and <c>POST /search/url</c>: an image (uploaded or by URL) in, the nearest images of the collection out.</summary>
public static class SearchApi
{
    /// <summary>Largest JSON body of <c>POST /search/url</c>.</summary>
    private const long UrlRequestLimitBytes = 16 * 1024;

    /// <summary>What every endpoint that takes filters says of them.</summary>
    public const string FilterDescription =
        "Filters: 'label' (repeat it: any of these folders), 'addedAfter' (at or after) and 'addedBefore' (before), ISO 8601 with an offset " +
        "such as 2026-03-01T00:00:00Z, 'minWidth' and 'minHeight' in pixels. With filters the answer holds the k nearest images among those " +
        "that match (fewer only when fewer match).";

    public static IEndpointRouteBuilder MapSearchApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/search").WithTags("Search").RequireApiKeyForReads()
            .AddEndpointFilter<RequireEngine>()
            .AddEndpointFilter<ReadUpload>()
            .AddEndpointFilter<ValidateKnnParameters>()
            .AddEndpointFilter<ValidateFilterParameters>();

        group.MapPost("/", SearchUploadAsync)
            .WithName("Search")
            .WithSummary("Find the images most similar to an uploaded image")
            .WithDescription(
                "Send the image as multipart/form-data in the part 'file'. The image is embedded by the CNN and the k nearest " +
                "stored images are returned with their distances (the collection's metric, L2 by default), nearest first. " +
                "'k' (default 3, at most MaxK) and 'maxDistance' (drop results farther than it; 'match' is false when none is left) " +
                "may be form fields or query parameters. " + FilterDescription + " The answer's Server-Timing header gives the server's milliseconds for decode, " +
                "inference (waiting for a batch included) and knn.")
            .Accepts<SearchUpload>("multipart/form-data")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .DisableAntiforgery();

        group.MapPost("/url", SearchUrlAsync)
            .WithName("SearchUrl")
            .WithSummary("Find the images most similar to the image at a URL")
            .WithDescription(
                "The URL is fetched with the download job's safe client (size limit while streaming, redirects checked, a time limit). " +
                "Loopback, private and link-local addresses are refused unless ImageFinder:AllowPrivateUrls is on. " +
                "The body's 'k', 'maxDistance' and filter fields work as in POST /search. " +
                "400: the URL is malformed or not http/https; 422: it was tried but gave no usable image.")
            .Accepts<SearchUrlRequest>("application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithMetadata(new RequestSizeLimitAttribute(UrlRequestLimitBytes));

        return routes;
    }

    private static Task<Results<Ok<SearchResponse>, ProblemHttpResult>> SearchUploadAsync(
        ReceivedUpload upload,
        [AsParameters] KnnQuery knn,
        [AsParameters] FilterQuery filter,
        HttpResponse response,
        ReadyEngine engine,
        IOptions<ImageFinderOptions> options,
        CancellationToken cancellationToken) =>
        SearchAsync(engine.Search, upload.Form.Bytes, knn.K ?? options.Value.DefaultK, knn.MaxDistance, filter.ToFilter(), response, cancellationToken);

    private static async Task<Results<Ok<SearchResponse>, ProblemHttpResult>> SearchUrlAsync(
        SearchUrlRequest body,
        HttpResponse response,
        ReadyEngine engine,
        UrlImageFetcher fetcher,
        IOptions<ImageFinderOptions> options,
        CancellationToken cancellationToken)
    {
        // The engine first: a URL is fetched only when it can be searched.
        var search = engine.Search;
        var (bytes, failure, refused) = await fetcher.FetchAsync(body.Url, cancellationToken);
        if (bytes is null)
        {
            return refused ? Problems.UrlRefused(failure!) : Problems.UrlFailed(failure!);
        }

        return await SearchAsync(search, bytes, body.K ?? options.Value.DefaultK, body.MaxDistance, body.ToFilter(), response, cancellationToken);
    }

    private static async Task<Results<Ok<SearchResponse>, ProblemHttpResult>> SearchAsync(
        ImageSearch search, byte[] image, int k, float? maxDistance, ImageFilter filter, HttpResponse response, CancellationToken cancellationToken)
    {
        try
        {
            var result = await search.SearchAsync(image, k, filter, cancellationToken);
            response.Headers[ServerTiming.HeaderName] = ServerTiming.Format(result.Decode, result.Inference, result.Knn);
            return TypedResults.Ok(SearchResponse.From(search.Model.Name, search.Store.Collection.Metric, result.Hits, maxDistance));
        }
        catch (ImageDecodeException e)
        {
            return Problems.BadImage(e, response.HttpContext);
        }
        catch (InferenceBusyException e)
        {
            return Problems.Busy(response, e);
        }
    }
}
