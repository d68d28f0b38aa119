using ImageFinder.Imaging;
using ImageFinder.Inference;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ImageFinder.Api.Errors;

/// <summary>The ProblemDetails responses ImageFinder gives, in one place so their titles stay consistent.</summary>
public static class Problems
{
    /// <summary>
    /// What clients are told when the engine failed to start. The reason (an exception's text, often with paths or a
    /// native library's message) goes to the server log only.
    /// </summary>
    public const string EngineFailedDetail = "The search engine failed to start; see the server log.";

    /// <summary>503: the engine is still loading, or it failed to start (<paramref name="failed"/>).</summary>
    public static ProblemHttpResult NotReady(bool failed) => TypedResults.Problem(
        title: "Not ready",
        detail: failed ? EngineFailedDetail : "The model and database are still loading; retry in a moment.",
        statusCode: StatusCodes.Status503ServiceUnavailable);

    /// <summary>
    /// 400 (500 for an internal failure) in ImageFinder's own words; libvips' text goes to the log only, since its one
    /// error buffer per process may even describe another request's image.
    /// </summary>
    public static ProblemHttpResult BadImage(ImageDecodeException e, HttpContext context)
    {
        LogDecodeFailure(e, context);
        return BadImageProblem(e);
    }

    /// <summary>422: a stored image's file is there but cannot be made into a thumbnail (corrupt, or over the pixel limit).</summary>
    public static ProblemHttpResult StoredImageUnreadable(long id, ImageDecodeException e, HttpContext context)
    {
        LogDecodeFailure(e, context);
        return TypedResults.Problem(
            title: "Image file unreadable",
            detail: $"Image {id}'s file cannot be made into a thumbnail: {e.Message}",
            statusCode: StatusCodes.Status422UnprocessableEntity,
            extensions: new Dictionary<string, object?> { ["reason"] = e.Failure.ToString() });
    }

    private static void LogDecodeFailure(ImageDecodeException e, HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("ImageFinder.Api.Decode")
            .LogInformation("Image refused ({Reason}): {Message} libvips: {NativeDetail}", e.Failure, e.Message, e.NativeDetail ?? "-");

    private static ProblemHttpResult BadImageProblem(ImageDecodeException e) => TypedResults.Problem(
        title: e.Failure switch
        {
            ImageDecodeFailure.Empty => "Empty file",
            ImageDecodeFailure.UnsupportedFormat => "Not a supported image",
            ImageDecodeFailure.TooManyPixels => "Image too large",
            ImageDecodeFailure.Internal => "Image processing failed",
            _ => "Corrupt image",
        },
        detail: e.Message,
        statusCode: e.Failure == ImageDecodeFailure.Internal ? StatusCodes.Status500InternalServerError : StatusCodes.Status400BadRequest,
        extensions: new Dictionary<string, object?> { ["reason"] = e.Failure.ToString() });

    /// <summary>503 with <c>Retry-After</c>: the inference queue is full, so the request is shed at once instead of timing out.</summary>
    public static ProblemHttpResult Busy(HttpResponse response, InferenceBusyException e) => Busy(response, e.Message);

    /// <summary>503 with <c>Retry-After</c> before the upload is even read: inference is saturated.</summary>
    public static ProblemHttpResult Busy(HttpResponse response) =>
        Busy(response, "Inference is saturated (ImageFinder:InferenceQueueCapacity images waiting); retry shortly.");

    /// <summary>503 with <c>Retry-After</c>: the work is shed now, to be asked for again after <paramref name="retryAfterSeconds"/>.</summary>
    public static ProblemHttpResult Busy(HttpResponse response, string detail, int retryAfterSeconds = 1)
    {
        response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            title: "Busy",
            detail: detail,
            statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    public static ProblemHttpResult TooLarge(long limit) => TypedResults.Problem(
        title: "Upload too large",
        detail: $"The upload is larger than the {limit}-byte limit (ImageFinder:MaxUploadBytes).",
        statusCode: StatusCodes.Status413PayloadTooLarge);

    /// <summary>413: a <c>POST /search/batch</c> body larger than its limit, all files together.</summary>
    public static ProblemHttpResult BatchTooLarge(long limit) => TypedResults.Problem(
        title: "Upload too large",
        detail: $"The batch is larger than the {limit}-byte limit for all its files together (ImageFinder:MaxBatchUploadBytes).",
        statusCode: StatusCodes.Status413PayloadTooLarge);

    /// <summary>400: a <c>POST /search/batch</c> with more files than allowed (<paramref name="sent"/>: how many, when counted).</summary>
    public static ProblemHttpResult TooManyFiles(int limit, int? sent) => TypedResults.Problem(
        title: "Too many files",
        detail: $"A batch holds at most {limit} files (ImageFinder:MaxBatchFiles); this one has {(sent is { } count ? count.ToString(System.Globalization.CultureInfo.InvariantCulture) : "more parts than that allows")}. Split it into several requests.",
        statusCode: StatusCodes.Status400BadRequest);

    public static ProblemHttpResult UnsupportedMedia(string detail) => TypedResults.Problem(
        title: "Unsupported upload",
        detail: detail,
        statusCode: StatusCodes.Status415UnsupportedMediaType);

    public static ProblemHttpResult BadParameter(string name, string detail) => TypedResults.Problem(
        title: $"Invalid '{name}'",
        detail: detail,
        statusCode: StatusCodes.Status400BadRequest);

    public static ProblemHttpResult BadUpload(string detail) => TypedResults.Problem(
        title: "Unreadable upload",
        detail: detail,
        statusCode: StatusCodes.Status400BadRequest);

    public static ProblemHttpResult ImageNotFound(long id) => TypedResults.Problem(
        title: "No such image",
        detail: $"The collection has no image with id {id}.",
        statusCode: StatusCodes.Status404NotFound);

    public static ProblemHttpResult FileGone(long id) => TypedResults.Problem(
        title: "Image file missing",
        detail: $"Image {id} is in the collection but its file can no longer be read; re-run the ingest job to sync the collection.",
        statusCode: StatusCodes.Status404NotFound);

    public static ProblemHttpResult WritesDisabled() => TypedResults.Problem(
        title: "Writes disabled",
        detail: "This endpoint needs an API key, and none is configured (ImageFinder:ApiKey), so it is disabled.",
        statusCode: StatusCodes.Status403Forbidden);

    public static ProblemHttpResult Unauthorized(string detail) => TypedResults.Problem(
        title: "API key required",
        detail: detail,
        statusCode: StatusCodes.Status401Unauthorized);

    /// <summary>The URL itself is refused (malformed, not http/https, or an internal address).</summary>
    public static ProblemHttpResult UrlRefused(string detail) => TypedResults.Problem(
        title: "URL refused",
        detail: detail,
        statusCode: StatusCodes.Status400BadRequest);

    /// <summary>The URL was tried and gave no usable image (HTTP error, timeout, too large, not an image).</summary>
    public static ProblemHttpResult UrlFailed(string detail) => TypedResults.Problem(
        title: "URL gave no image",
        detail: detail,
        statusCode: StatusCodes.Status422UnprocessableEntity);
}
