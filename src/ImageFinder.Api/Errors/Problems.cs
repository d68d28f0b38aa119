using ImageFinder.Imaging;
using ImageFinder.Inference;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ImageFinder.Api.Errors;

/// <summary>The ProblemDetails responses ImageFinder gives, in one place so their titles stay consistent.</summary>
public static class Problems
{
    public static ProblemHttpResult NotReady(string? error) => TypedResults.Problem(
        title: "Not ready",
        detail: error is null ? "The model and database are still loading; retry in a moment." : "The search engine failed to start: " + error,
        statusCode: StatusCodes.Status503ServiceUnavailable);

    public static ProblemHttpResult BadImage(ImageDecodeException e) => TypedResults.Problem(
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
    public static ProblemHttpResult Busy(HttpResponse response, InferenceBusyException e)
    {
        response.Headers.RetryAfter = "1";
        return TypedResults.Problem(
            title: "Busy",
            detail: e.Message,
            statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    public static ProblemHttpResult TooLarge(long limit) => TypedResults.Problem(
        title: "Upload too large",
        detail: $"The upload is larger than the {limit}-byte limit (ImageFinder:MaxUploadBytes).",
        statusCode: StatusCodes.Status413PayloadTooLarge);

    public static ProblemHttpResult UnsupportedMedia(string detail) => TypedResults.Problem(
        title: "Unsupported upload",
        detail: detail,
        statusCode: StatusCodes.Status415UnsupportedMediaType);

    public static ProblemHttpResult BadParameter(string name, string detail) => TypedResults.Problem(
        title: $"Invalid '{name}'",
        detail: detail,
        statusCode: StatusCodes.Status400BadRequest);
}
