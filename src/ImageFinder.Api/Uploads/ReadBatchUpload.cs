using ImageFinder.Api.Hosting;
using ImageFinder.Configuration;
using Microsoft.Extensions.Options;

namespace ImageFinder.Api.Uploads;

/// <summary>
/// Endpoint filter for handlers that take a <see cref="ReceivedBatch"/>: reads the multipart form (see
/// <see cref="BatchForm.ReadAsync"/>: busy, body too large, not multipart, no <c>file</c> part, too many files, unreadable)
/// and answers the problem for the whole request, or hands the form to the handler. Endpoints without that parameter pass through.
/// </summary>
public sealed class ReadBatchUpload(IOptions<ImageFinderOptions> options, EngineLoader loader) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (context.Arguments.OfType<ReceivedBatch>().FirstOrDefault() is not { } batch)
        {
            return await next(context);
        }

        var http = context.HttpContext;
        var (form, problem) = await BatchForm.ReadAsync(http.Request, options.Value, loader.Search?.Embedder, http.RequestAborted);
        if (form is null)
        {
            return problem;
        }

        batch.Form = form;
        return await next(context);
    }
}
