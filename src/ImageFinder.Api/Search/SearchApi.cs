using System.Globalization;
using ImageFinder.Api.Errors;
using ImageFinder.Api.Hosting;
using ImageFinder.Configuration;
using ImageFinder.Imaging;
using ImageFinder.Inference;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace ImageFinder.Api.Search;

/// <summary><c>POST /search</c>: upload an image, get the nearest images in the collection.</summary>
public static class SearchApi
{
    public static IEndpointRouteBuilder MapSearchApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/search").WithTags("Search");

        group.MapPost("/", SearchAsync)
            .WithName("Search")
            .WithSummary("Find the images most similar to an uploaded image")
            .WithDescription(
                "Send the image as multipart/form-data in the part 'file'. The image is embedded by the CNN and the k nearest " +
                "stored images are returned by L2 distance, nearest first. 'k' (default 3, at most MaxK) may be a form field or a query parameter.")
            .Accepts<SearchUpload>("multipart/form-data")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .DisableAntiforgery();

        return routes;
    }

    private static async Task<Results<Ok<SearchResponse>, ProblemHttpResult>> SearchAsync(
        HttpRequest request,
        [FromQuery(Name = "k")] int? k,
        SearchEngine engine,
        IOptions<ImageFinderOptions> options,
        CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var bodyLimit = settings.MaxUploadBytes + ImageFinderHostingExtensions.MultipartOverheadBytes;
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            // Enforced by the server while the body streams in, not after it has been buffered.
            sizeFeature.MaxRequestBodySize = bodyLimit;
        }

        if (request.ContentLength > bodyLimit)
        {
            return Problems.TooLarge(settings.MaxUploadBytes);
        }

        if (!request.HasFormContentType)
        {
            return Problems.UnsupportedMedia("Send the image as multipart/form-data with a part named 'file'.");
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problems.TooLarge(settings.MaxUploadBytes);
        }
        catch (InvalidDataException e) when (e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase))
        {
            return Problems.TooLarge(settings.MaxUploadBytes);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return Problems.BadParameter("file", "The multipart body could not be read: " + e.Message);
        }

        var file = form.Files.GetFile("file");
        if (file is null)
        {
            return Problems.UnsupportedMedia("The form has no part named 'file' holding the image.");
        }

        if (file.Length > settings.MaxUploadBytes)
        {
            return Problems.TooLarge(settings.MaxUploadBytes);
        }

        var requestedK = k;
        if (requestedK is null && form.TryGetValue("k", out var formK) && !string.IsNullOrWhiteSpace(formK))
        {
            if (!int.TryParse(formK, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
            {
                return Problems.BadParameter("k", $"'k' must be an integer from 1 to {settings.MaxK}.");
            }

            requestedK = parsed;
        }

        var count = requestedK ?? settings.DefaultK;
        if (count < 1 || count > settings.MaxK)
        {
            return Problems.BadParameter("k", $"'k' must be from 1 to {settings.MaxK}; it was {count}.");
        }

        if (engine.Search is not { } search)
        {
            return Problems.NotReady(engine.Error);
        }

        var bytes = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
        {
            await stream.ReadExactlyAsync(bytes, cancellationToken);
        }

        try
        {
            var hits = await search.SearchAsync(bytes, count, cancellationToken);
            return TypedResults.Ok(new SearchResponse(search.Model.Name, hits.Select(h => new SearchResult(h.Id, h.Distance, h.Source)).ToList()));
        }
        catch (ImageDecodeException e)
        {
            return Problems.BadImage(e);
        }
        catch (InferenceBusyException e)
        {
            return Problems.Busy(request.HttpContext.Response, e);
        }
    }
}
