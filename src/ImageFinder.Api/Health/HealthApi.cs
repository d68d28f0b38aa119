using ImageFinder.Api.Errors;
using ImageFinder.Api.Hosting;
using ImageFinder.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ImageFinder.Api.Health;

/// <summary>
/// <c>GET /health</c>: 200 when the model is loaded and the store answers; 503 while loading, after a failed start, or
/// while the store cannot be reached (a Garnet node down), saying which store it is.
/// </summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/health").WithTags("Health")
            .MapGet("/", GetAsync)
            .WithName("Health")
            .WithSummary("Readiness: is the model loaded and the store reachable?")
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
        return routes;
    }

    private static async Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> GetAsync(EngineLoader loader, ILogger<HealthResponse> logger, CancellationToken cancellationToken)
    {
        if (loader.Search is { } search)
        {
            var store = search.Store;
            try
            {
                if (await store.PingAsync(cancellationToken))
                {
                    var images = await store.CountAsync(cancellationToken);
                    return TypedResults.Ok(new HealthResponse(HealthResponse.Ready, search.Model.Name, search.Model.Description, search.Model.Dimension, images, null, store.Kind, true));
                }
            }
            catch (StoreUnavailableException e)
            {
                logger.LogWarning("Health: the {Store} store does not answer: {Message} ({Cause})", store.Kind, e.Message, e.InnerException?.Message ?? "-");
            }

            return TypedResults.Json(
                new HealthResponse(HealthResponse.Unavailable, search.Model.Name, search.Model.Description, search.Model.Dimension, null, $"The {store.Kind} store does not answer; see the server log.", store.Kind, false),
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        var failed = loader.State == EngineState.Failed;
        return TypedResults.Json(
            new HealthResponse(failed ? HealthResponse.Failed : HealthResponse.Loading, null, null, null, null, failed ? Problems.EngineFailedDetail : null, null, null),
            statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
