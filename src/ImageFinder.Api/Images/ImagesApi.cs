using ImageFinder.Api.Errors;
using ImageFinder.Api.Hosting;
using ImageFinder.Api.Search;
using ImageFinder.Api.Security;
using ImageFinder.Api.Uploads;
using ImageFinder.Configuration;
using ImageFinder.Download;
using ImageFinder.Imaging;
using ImageFinder.Inference;
using ImageFinder.Ingestion;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ImageFinder.Api.Images;

/// <summary>
/// The collection's images: list, metadata, the file or a thumbnail, "more like this", and (with the API key)
/// adding one image and deleting one.
/// </summary>
public static class ImagesApi
{
    public const int MinThumbnailSize = 16;
    public const int MaxThumbnailSize = 1024;
    public const int MaxPageSize = 1000;

    /// <summary>What <c>GET /images/{id}/file</c> may send: a thumbnail is JPEG, a stored file goes as it is.</summary>
    private static readonly string[] FileContentTypes =
        ["image/jpeg", "image/png", "image/webp", "image/gif", "image/tiff", "image/heic", "image/avif", "application/octet-stream"];

    public static IEndpointRouteBuilder MapImagesApi(this IEndpointRouteBuilder routes)
    {
        var reads = routes.MapGroup("/images").WithTags("Images").RequireApiKeyForReads()
            .AddEndpointFilter<RequireEngine>()
            .AddEndpointFilter<ValidatePage>()
            .AddEndpointFilter<ValidateKnnParameters>();
        reads.MapGet("/", ListAsync)
            .WithName("ListImages")
            .WithSummary("A page of the collection, in id order")
            .WithDescription($"'offset' (default 0) images are skipped; 'limit' (1..{MaxPageSize}, default 50) images are returned.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        reads.MapGet("/{id:long}", GetAsync)
            .WithName("GetImage")
            .WithSummary("One image's metadata")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        reads.MapGet("/{id:long}/file", GetFileAsync)
            .WithName("GetImageFile")
            .WithSummary("The image itself, or a JPEG thumbnail with ?size=N")
            .WithDescription(
                $"Without 'size' the stored file is sent as it is. With 'size' ({MinThumbnailSize}..{MaxThumbnailSize}) a JPEG whose longer side is " +
                "at most that many pixels. Both carry an ETag; a matching If-None-Match gets 304 Not Modified without a body " +
                "(left out of the responses below: generators would make the download method return nothing).")
            .Produces(StatusCodes.Status200OK, typeof(Stream), FileContentTypes[0], FileContentTypes[1..])
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        reads.MapGet("/{id:long}/similar", SimilarAsync)
            .WithName("SimilarImages")
            .WithSummary("More like this: the stored images nearest to a stored image")
            .WithDescription("No upload and no inference: the image's stored embedding is the query. The image itself is left out. 'k' and 'maxDistance' work as in POST /search. " + SearchApi.FilterDescription)
            .AddEndpointFilter<ValidateFilterParameters>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        var writes = routes.MapGroup("/images").WithTags("Images").RequireApiKey()
            .AddEndpointFilter<RequireEngine>()
            .AddEndpointFilter<ReadUpload>();
        writes.MapPost("/", AddAsync)
            .WithName("AddImage")
            .WithSummary("Embed one image and add it to the collection (needs X-Api-Key)")
            .WithDescription(
                "Send the image as multipart/form-data in the part 'file'. 201 with the new id; the same bytes again (or bytes already " +
                "in the collection) give 200 with the existing id, never a duplicate. 401 without a valid key, 403 when no key is configured.")
            .Accepts<ImageUpload>("multipart/form-data")
            .Produces<ImageAdded>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .DisableAntiforgery();
        writes.MapDelete("/{id:long}", DeleteAsync)
            .WithName("DeleteImage")
            .WithSummary("Remove an image from the collection (needs X-Api-Key)")
            .WithDescription("The row and the vector go together, in one transaction; a stored upload's file is deleted too, a folder's file is not.")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return routes;
    }

    private static async Task<Ok<ImagePage>> ListAsync([AsParameters] PageQuery page, ReadyEngine engine, CancellationToken cancellationToken)
    {
        var store = engine.Search.Store;
        var total = await store.CountAsync(cancellationToken);
        var images = await store.ListAsync(page.Offset, page.Limit, cancellationToken);
        return TypedResults.Ok(new ImagePage(total, page.Offset, page.Limit, images.Select(ImageInfo.From).ToList()));
    }

    private static async Task<Results<Ok<ImageInfo>, ProblemHttpResult>> GetAsync(long id, ReadyEngine engine, CancellationToken cancellationToken) =>
        await engine.Search.Store.FindAsync(id, cancellationToken) is { } image
            ? TypedResults.Ok(ImageInfo.From(image))
            : Problems.ImageNotFound(id);

    private static async Task<IResult> GetFileAsync(
        long id, int? size, HttpContext context, ReadyEngine engine, IOptions<ImageFinderOptions> options, CancellationToken cancellationToken)
    {
        if (size is { } side && (side < MinThumbnailSize || side > MaxThumbnailSize))
        {
            return Problems.BadParameter("size", $"'size' must be from {MinThumbnailSize} to {MaxThumbnailSize}; it was {side}.");
        }

        if (await engine.Search.Store.FindAsync(id, cancellationToken) is not { } image)
        {
            return Problems.ImageNotFound(id);
        }

        if (!File.Exists(image.Source))
        {
            return Problems.FileGone(id);
        }

        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.CacheControl = "no-cache";
        if (size is null)
        {
            var tag = new EntityTagHeaderValue($"\"{image.Sha256}\"");
            return TypedResults.PhysicalFile(image.Source, await ContentTypeAsync(image.Source, cancellationToken), lastModified: image.Modified, entityTag: tag);
        }

        // Thumbnails are not stored: the ETag (content hash + size) lets browsers revalidate without a new decode.
        var thumbnailTag = new EntityTagHeaderValue($"\"{image.Sha256[..32]}-{size}\"");
        if (context.Request.GetTypedHeaders().IfNoneMatch.Any(tag => tag.Compare(thumbnailTag, useStrongComparison: false) || tag.Tag == "*"))
        {
            context.Response.Headers.ETag = thumbnailTag.ToString();
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        try
        {
            // The same decode slots as searches, with the same pixel limit: a burst of large thumbnails waits its
            // turn or is shed with 503 + Retry-After instead of filling the cores and memory.
            var bytes = await File.ReadAllBytesAsync(image.Source, cancellationToken);
            var maxPixels = options.Value.MaxImagePixels;
            var thumbnail = await engine.Search.Embedder.DecodeAsync(() => ImageEncoder.Thumbnail(bytes, size.Value, EncodedFormat.Jpeg, quality: 80, maxPixels), cancellationToken);
            return TypedResults.Bytes(thumbnail, "image/jpeg", entityTag: thumbnailTag);
        }
        catch (ImageDecodeException e)
        {
            return Problems.StoredImageUnreadable(id, e, context);
        }
        catch (InferenceBusyException e)
        {
            return Problems.Busy(context.Response, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Problems.FileGone(id);
        }
    }

    private static async Task<Results<Ok<SearchResponse>, ProblemHttpResult>> SimilarAsync(
        long id,
        [AsParameters] KnnQuery knn,
        [AsParameters] FilterQuery filter,
        ReadyEngine engine,
        IOptions<ImageFinderOptions> options,
        CancellationToken cancellationToken)
    {
        var search = engine.Search;
        return await search.SimilarAsync(id, knn.K ?? options.Value.DefaultK, filter.ToFilter(), cancellationToken) is { } hits
            ? TypedResults.Ok(SearchResponse.From(search.Model.Name, search.Store.Collection.Metric, hits, knn.MaxDistance))
            : Problems.ImageNotFound(id);
    }

    private static async Task<Results<Created<ImageAdded>, Ok<ImageAdded>, ProblemHttpResult>> AddAsync(
        ReceivedUpload upload,
        HttpResponse response,
        ReadyEngine engine,
        IOptions<ImageFinderOptions> options,
        IOptions<ApiOptions> api,
        CancellationToken cancellationToken)
    {
        var search = engine.Search;
        try
        {
            var uploads = new UploadedImages(search.Embedder, search.Store, api.Value.ResolveUploadsFolder(options.Value.Database));
            var (image, created) = await uploads.AddAsync(upload.Form.Bytes, cancellationToken);
            var added = new ImageAdded(image.Id, created, ImageInfo.From(image));
            return created ? TypedResults.Created($"/images/{image.Id}", added) : TypedResults.Ok(added);
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

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        long id,
        ReadyEngine engine,
        IOptions<ImageFinderOptions> options,
        IOptions<ApiOptions> api,
        CancellationToken cancellationToken)
    {
        var search = engine.Search;
        var uploads = new UploadedImages(search.Embedder, search.Store, api.Value.ResolveUploadsFolder(options.Value.Database));
        return await uploads.DeleteAsync(id, cancellationToken) ? TypedResults.NoContent() : Problems.ImageNotFound(id);
    }

    private static async Task<string> ContentTypeAsync(string path, CancellationToken cancellationToken)
    {
        var head = new byte[ImageFormatSniffer.HeaderLength];
        int read;
        await using (var stream = File.OpenRead(path))
        {
            read = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        }

        return ImageFormatSniffer.ToContentType(ImageFormatSniffer.FromMagic(head.AsSpan(0, read)));
    }
}
