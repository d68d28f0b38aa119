using ImageFinder.Api.Errors;
using ImageFinder.Api.Hosting;
using ImageFinder.Configuration;
using ImageFinder.Inference;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ImageFinder.Api.Uploads;

/// <summary>
/// The multipart/form-data body of <c>POST /search/batch</c>: every part named <c>file</c>, in order, and the other fields.
/// The whole body is held to ImageFinder:MaxBatchUploadBytes while it streams in and the number of files to
/// ImageFinder:MaxBatchFiles (problems of the whole request); a file over ImageFinder:MaxUploadBytes is not read, and
/// only its own answer says so.
/// </summary>
public sealed class BatchForm
{
    /// <summary>Text fields a batch form may carry besides its files (<c>k</c>, <c>maxDistance</c>, and room for a client's own).</summary>
    private const int FieldAllowance = 16;

    private BatchForm(IFormCollection form, IReadOnlyList<BatchFile> files)
    {
        Fields = new FormFields(form);
        Files = files;
    }

    /// <summary>The <c>file</c> parts, in the order they were sent.</summary>
    public IReadOnlyList<BatchFile> Files { get; }

    /// <summary>The form's other fields (<c>k</c>, <c>maxDistance</c>).</summary>
    public FormFields Fields { get; }

    /// <summary>
    /// Reads the form, or the ProblemDetails that says why the request cannot be used. As for one upload, a saturated
    /// <paramref name="embedder"/> gets 503 before the body is read.
    /// </summary>
    public static async Task<(BatchForm? Form, ProblemHttpResult? Problem)> ReadAsync(
        HttpRequest request, ImageFinderOptions settings, IImageEmbedder? embedder, CancellationToken cancellationToken)
    {
        if (embedder?.IsBusy == true)
        {
            return (null, Problems.Busy(request.HttpContext.Response));
        }

        var bodyLimit = settings.MaxBatchUploadBytes + ImageFinderHostingExtensions.MultipartOverheadBytes;
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            // Raised from the server-wide limit (one upload) to the batch's, and enforced while the body streams in.
            sizeFeature.MaxRequestBodySize = bodyLimit;
        }

        if (request.ContentLength > bodyLimit)
        {
            return (null, Problems.BatchTooLarge(settings.MaxBatchUploadBytes));
        }

        if (!request.HasFormContentType)
        {
            return (null, Problems.UnsupportedMedia("Send the images as multipart/form-data, each in a part named 'file'."));
        }

        // The batch's own form limits: one section may be as large as the whole body (a file over MaxUploadBytes is
        // answered in its own slot, not by failing the form), and the part count allows MaxBatchFiles files.
        request.HttpContext.Features.Set<IFormFeature>(new FormFeature(request, new FormOptions
        {
            MultipartBodyLengthLimit = bodyLimit,
            ValueCountLimit = settings.MaxBatchFiles + FieldAllowance,
            MemoryBufferThreshold = (int)Math.Min(settings.MaxUploadBytes, 4 * 1024 * 1024),
        }));

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, Problems.BatchTooLarge(settings.MaxBatchUploadBytes));
        }
        catch (InvalidDataException e) when (e.Message.Contains("count limit", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Problems.TooManyFiles(settings.MaxBatchFiles, null));
        }
        catch (InvalidDataException e) when (e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Problems.BatchTooLarge(settings.MaxBatchUploadBytes));
        }
        catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException)
        {
            return (null, Problems.BadUpload("The multipart body could not be read: " + e.Message));
        }

        var parts = form.Files.GetFiles("file");
        if (parts.Count == 0)
        {
            return (null, Problems.UnsupportedMedia("The form has no part named 'file' holding an image."));
        }

        if (parts.Count > settings.MaxBatchFiles)
        {
            return (null, Problems.TooManyFiles(settings.MaxBatchFiles, parts.Count));
        }

        var files = new List<BatchFile>(parts.Count);
        foreach (var part in parts)
        {
            if (part.Length > settings.MaxUploadBytes)
            {
                files.Add(new BatchFile(part.FileName, null));
                continue;
            }

            var bytes = new byte[part.Length];
            await using (var stream = part.OpenReadStream())
            {
                await stream.ReadExactlyAsync(bytes, cancellationToken);
            }

            files.Add(new BatchFile(part.FileName, bytes));
        }

        return (new BatchForm(form, files), null);
    }
}
