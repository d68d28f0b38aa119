using ImageFinder.Api.Errors;
using ImageFinder.Api.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ImageFinder.Api.Health;

/// <summary>
/// Health on ASP.NET Core's health checks, as eShop's service defaults lay them out. <c>GET /health</c> is readiness
/// (the checks tagged <see cref="ReadyTag"/>: <see cref="EngineHealthCheck"/>, <see cref="StoreHealthCheck"/>): 200 when
/// the model is loaded and the store answers; 503 while loading, after a failed start, or while the store cannot be
/// reached (a Garnet node down), saying which store it is. <c>GET /health/live</c> is liveness (the checks tagged
/// <see cref="LiveTag"/>, which look at no dependency): 200 while the process runs, so an orchestrator restarts it only
/// when it is stuck, never because the store is down.
/// </summary>
public static class HealthApi
{
    public const string ReadyTag = "ready";
    public const string LiveTag = "live";

    /// <summary>The health checks: the engine and the store for readiness, the process itself for liveness.</summary>
    public static IServiceCollection AddImageFinderHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy("The process runs."), [LiveTag])
            .AddCheck<EngineHealthCheck>(EngineHealthCheck.Name, tags: [ReadyTag])
            .AddCheck<StoreHealthCheck>(StoreHealthCheck.Name, tags: [ReadyTag]);
        // The checks log what matters themselves (the store's failures, as warnings); the service's own line per
        // unhealthy result would be an error on every poll while the engine loads, which can take minutes.
        services.AddLogging(logging => logging.AddFilter(typeof(HealthCheckService).Namespace + ".DefaultHealthCheckService", LogLevel.None));
        return services;
    }

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/health").WithTags("Health");
        group.MapGet("/", GetAsync)
            .WithName("Health")
            .WithSummary("Readiness: is the model loaded and the store reachable?")
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
        group.MapGet("/live", GetLiveAsync)
            .WithName("Liveness")
            .WithSummary("Liveness: does the process run? (No dependency is checked.)")
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .Produces<string>(StatusCodes.Status503ServiceUnavailable, "text/plain");
        return routes;
    }

    private static async Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> GetAsync(
        HealthCheckService health, EngineLoader loader, ILogger<HealthResponse> logger, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(check => check.Tags.Contains(ReadyTag), cancellationToken);
        foreach (var (name, entry) in report.Entries)
        {
            if (entry.Exception is { } e)
            {
                logger.LogError(e, "Health: the {Check} check failed", name);
            }
        }

        var engine = report.Entries[EngineHealthCheck.Name];
        if (engine.Status != HealthStatus.Healthy || loader.Search is not { } search)
        {
            var failed = engine.Data.TryGetValue(EngineHealthCheck.StateKey, out var state) && state is EngineState.Failed;
            return TypedResults.Json(
                new HealthResponse(failed ? HealthResponse.Failed : HealthResponse.Loading, null, null, null, null, failed ? Problems.EngineFailedDetail : null, null, null),
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        var model = search.Model;
        var kind = search.Store.Kind;
        var store = report.Entries[StoreHealthCheck.Name];
        if (store.Status == HealthStatus.Healthy && store.Data.TryGetValue(StoreHealthCheck.ImagesKey, out var images))
        {
            return TypedResults.Ok(new HealthResponse(HealthResponse.Ready, model.Name, model.Description, model.Dimension, (long)images, null, kind, true));
        }

        return TypedResults.Json(
            new HealthResponse(HealthResponse.Unavailable, model.Name, model.Description, model.Dimension, null, $"The {kind} store does not answer; see the server log.", kind, false),
            statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<ContentHttpResult> GetLiveAsync(HealthCheckService health, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(check => check.Tags.Contains(LiveTag), cancellationToken);
        return TypedResults.Text(
            report.Status.ToString(),
            "text/plain",
            statusCode: report.Status == HealthStatus.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}
