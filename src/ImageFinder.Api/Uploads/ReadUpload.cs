using ImageFinder.Api.Hosting;
using ImageFinder.Configuration;
using Microsoft.Extensions.Options;

namespace ImageFinder.Api.Uploads;

/// <summary>
/// Endpoint filter for handlers that take a <see cref="ReceivedUpload"/>: reads the multipart form (see
/// <see cref="UploadForm.ReadAsync"/>: busy, too large, not multipart, no <c>file</c> part, unreadable) and answers
/// the problem, or hands the form to the handler. Endpoints without that parameter pass through.
/// </summary>
public sealed class ReadUpload(IOptions<ImageFinderOptions> options, EngineLoader loader) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (context.Arguments.OfType<ReceivedUpload>().FirstOrDefault() is not { } upload)
        {
            return await next(context);
        }

        var http = context.HttpContext;
        var (form, problem) = await UploadForm.ReadAsync(http.Request, options.Value, loader.Search?.Embedder, http.RequestAborted);
        if (form is null)
        {
            return problem;
        }

        upload.Form = form;
        return await next(context);
    }
}
