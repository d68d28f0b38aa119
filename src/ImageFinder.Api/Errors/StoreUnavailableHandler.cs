using ImageFinder.Storage;
using Microsoft.AspNetCore.Diagnostics;

namespace ImageFinder.Api.Errors;

/// <summary>
/// Any request whose store could not be reached (a Garnet node down, a connection lost, a timeout) answers 503
/// ProblemDetails naming the store, with <c>Retry-After</c>, instead of 500. The client library's own text goes to the
/// log only.
/// </summary>
public sealed class StoreUnavailableHandler(IProblemDetailsService problems, ILogger<StoreUnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not StoreUnavailableException unavailable)
        {
            return false;
        }

        logger.LogWarning("The {Store} store did not answer {Path}: {Message} ({Cause})", unavailable.Store, httpContext.Request.Path, unavailable.Message, unavailable.InnerException?.Message ?? "-");
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "1";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Title = "Store unavailable",
                Detail = unavailable.Message,
                Status = StatusCodes.Status503ServiceUnavailable,
                Extensions = { ["store"] = unavailable.Store },
            },
        });
    }
}
