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

/// <summary>
/// <c>POST /search</c>, <c>POST /search/url</c> and <c>POST /search/batch</c>: an image (uploaded or by URL) or a batch of
/// uploaded images in, the nearest images of the collection out. Every query image is searched by <see cref="SearchOneAsync"/>.
/// </summary>
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
            .AddEndpointFilter<ReadBatchUpload>()
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

        group.MapPost("/batch", SearchBatchAsync)
            .WithName("SearchBatch")
            .WithSummary("Find the images most similar to each of several uploaded images")
            .WithDescription(
                "Send up to MaxBatchFiles images (default 32) as multipart/form-data, each in a part named 'file'. The images are " +
                "decoded, then embedded together (they share inference runs: MaxBatchSize images per run), and each is searched as " +
                "POST /search would search it alone, with the same 'k', 'maxDistance' and filters (form fields or query parameters) for all. " +
                "The answer has one item per file, in the order sent, each with its own status: 200 with the answer POST /search " +
                "would give, or the ProblemDetails it would give (a file that is not an image, is truncated, has too many pixels, or " +
                "is over MaxUploadBytes) while the other files are still searched. Each item's 'timings' gives the server's milliseconds " +
                "for decode, inference (from the batch joining the queue to that image's vector) and knn; there is no Server-Timing " +
                "header. Problems of the whole request answer 4xx without searching anything: not multipart (415), no 'file' part (415), " +
                "more than MaxBatchFiles files (400), a bad 'k' or 'maxDistance' (400), a body over MaxBatchUploadBytes (413); " +
                "503 when the inference queue has no room for the whole batch.")
            .Accepts<SearchBatchUpload>("multipart/form-data")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .DisableAntiforgery();

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
        SearchAsync(engine.Search, upload.Form.Bytes, knn, filter.ToFilter(), options.Value, response, cancellationToken);

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

        return await SearchAsync(search, bytes, body, body.ToFilter(), options.Value, response, cancellationToken);
    }

    private static async Task<Results<Ok<BatchSearchResponse>, ProblemHttpResult>> SearchBatchAsync(
        ReceivedBatch batch,
        [AsParameters] KnnQuery knn,
        [AsParameters] FilterQuery filter,
        HttpResponse response,
        ReadyEngine engine,
        IOptions<ImageFinderOptions> options,
        CancellationToken cancellationToken)
    {
        var search = engine.Search;
        var files = batch.Form.Files;
        // Files over MaxUploadBytes were not read; the others are embedded together, in order.
        var readable = files.Where(file => file.Bytes is not null).Select(file => (ReadOnlyMemory<byte>)file.Bytes!).ToList();
        IReadOnlyList<EmbeddingOutcome> embedded;
        try
        {
            embedded = await search.EmbedBatchAsync(readable, cancellationToken);
        }
        catch (InferenceBusyException e)
        {
            return Problems.Busy(response, e);
        }

        var items = new List<BatchSearchItem>(files.Count);
        var next = 0;
        for (var position = 0; position < files.Count; position++)
        {
            var file = files[position];
            var outcome = file.Bytes is null ? null : embedded[next++];
            if (outcome?.Embedding is not { } embedding)
            {
                var problem = outcome?.Failure is { } failure
                    ? Problems.BadImage(failure, response.HttpContext)
                    : Problems.TooLarge(options.Value.MaxUploadBytes);
                items.Add(new BatchSearchItem(position, file.FileName, problem.StatusCode, null, problem.ProblemDetails, null));
                continue;
            }

            var (answer, result) = await SearchOneAsync(search, embedding, knn, filter.ToFilter(), options.Value, cancellationToken);
            items.Add(new BatchSearchItem(position, file.FileName, StatusCodes.Status200OK, answer, null, TimingsOf(result)));
        }

        return TypedResults.Ok(new BatchSearchResponse(files.Count, items.Count(item => item.Answer is not null), items));
    }

    private static async Task<Results<Ok<SearchResponse>, ProblemHttpResult>> SearchAsync(
        ImageSearch search, byte[] image, IKnnParameters knn, ImageFilter filter, ImageFinderOptions settings, HttpResponse response, CancellationToken cancellationToken)
    {
        try
        {
            var embedding = await search.Embedder.EmbedAsync(image, cancellationToken);
            var (answer, result) = await SearchOneAsync(search, embedding, knn, filter, settings, cancellationToken);
            response.Headers[ServerTiming.HeaderName] = ServerTiming.Format(result.Decode, result.Inference, result.Knn);
            return TypedResults.Ok(answer);
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

    /// <summary>
    /// The search of one embedded query image with the request's parameters (checked by <see cref="ValidateKnnParameters"/>),
    /// and its answer: what every endpoint here runs per image, alone or in a batch.
    /// </summary>
    private static async Task<(SearchResponse Answer, ImageSearchResult Result)> SearchOneAsync(
        ImageSearch search, ImageEmbedding query, IKnnParameters knn, ImageFilter filter, ImageFinderOptions settings, CancellationToken cancellationToken)
    {
        var result = await search.SearchAsync(query, knn.K ?? settings.DefaultK, filter, cancellationToken);
        return (SearchResponse.From(search.Model.Name, search.Store.Collection.Metric, result.Hits, knn.MaxDistance), result);
    }

    private static SearchTimings TimingsOf(ImageSearchResult result) =>
        new(Math.Round(result.Decode.TotalMilliseconds, 2), Math.Round(result.Inference.TotalMilliseconds, 2), Math.Round(result.Knn.TotalMilliseconds, 2));
}
