using ImageFinder.Api.Errors;
using ImageFinder.Api.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ImageFinder.Api.Health;

/// <summary><c>GET /health</c>: 200 when the model and database are loaded, 503 before that or after a failure.</summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/health").WithTags("Health")
            .MapGet("/", GetAsync)
            .WithName("Health")
            .WithSummary("Readiness: is the model loaded and the database open?")
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
        return routes;
    }

    private static async Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> GetAsync(EngineLoader loader, CancellationToken cancellationToken)
    {
        if (loader.Search is { } search)
        {
            var images = await search.Store.CountAsync(cancellationToken);
            return TypedResults.Ok(new HealthResponse("ready", search.Model.Name, search.Model.Description, search.Model.Dimension, images, null));
        }

        var failed = loader.State == EngineState.Failed;
        return TypedResults.Json(
            new HealthResponse(failed ? "failed" : "loading", null, null, null, null, failed ? Problems.EngineFailedDetail : null),
            statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
