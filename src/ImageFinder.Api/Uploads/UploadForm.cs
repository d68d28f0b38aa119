using ImageFinder.Api.Errors;
using ImageFinder.Api.Hosting;
using ImageFinder.Configuration;
using ImageFinder.Inference;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ImageFinder.Api.Uploads;

/// <summary>
/// A multipart/form-data upload: the image bytes of the part <c>file</c> and the other fields. Reading it
/// enforces the upload limit while the body streams in (the server stops reading past it), never after
/// buffering the whole body.
/// </summary>
public sealed class UploadForm
{
    private UploadForm(IFormCollection form, byte[] bytes)
    {
        Fields = new FormFields(form);
        Bytes = bytes;
    }

    /// <summary>The image file's bytes.</summary>
    public byte[] Bytes { get; }

    /// <summary>The form's other fields (<c>k</c>, <c>maxDistance</c>).</summary>
    public FormFields Fields { get; }

    /// <summary>
    /// Reads the form, or the ProblemDetails that says why it cannot be used. When <paramref name="embedder"/>
    /// would shed the image anyway, answers 503 at once, before reading the body: a saturated server should
    /// not spend time and memory on it first.
    /// </summary>
    public static async Task<(UploadForm? Form, ProblemHttpResult? Problem)> ReadAsync(
        HttpRequest request, ImageFinderOptions settings, IImageEmbedder? embedder, CancellationToken cancellationToken)
    {
        if (embedder?.IsBusy == true)
        {
            return (null, Problems.Busy(request.HttpContext.Response));
        }

        var bodyLimit = settings.MaxUploadBytes + ImageFinderHostingExtensions.MultipartOverheadBytes;
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            // Enforced by the server while the body streams in, not after it has been buffered.
            sizeFeature.MaxRequestBodySize = bodyLimit;
        }

        if (request.ContentLength > bodyLimit)
        {
            return (null, Problems.TooLarge(settings.MaxUploadBytes));
        }

        if (!request.HasFormContentType)
        {
            return (null, Problems.UnsupportedMedia("Send the image as multipart/form-data with a part named 'file'."));
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problems.TooLarge(settings.MaxUploadBytes));
        }
        catch (InvalidDataException e) when (e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Problems.TooLarge(settings.MaxUploadBytes));
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return (null, Problems.BadUpload("The multipart body could not be read: " + e.Message));
        }

        var file = form.Files.GetFile("file");
        if (file is null)
        {
            return (null, Problems.UnsupportedMedia("The form has no part named 'file' holding the image."));
        }

        if (file.Length > settings.MaxUploadBytes)
        {
            return (null, Problems.TooLarge(settings.MaxUploadBytes));
        }

        var bytes = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
        {
            await stream.ReadExactlyAsync(bytes, cancellationToken);
        }

        return (new UploadForm(form, bytes), null);
    }
}
