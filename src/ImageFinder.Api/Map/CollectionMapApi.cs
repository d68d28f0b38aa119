using System.ComponentModel.DataAnnotations;
using ImageFinder.Api.Errors;
using ImageFinder.Api.Hosting;
using ImageFinder.Api.Security;
using ImageFinder.Mapping;
using ImageFinder.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ImageFinder.Api.Map;

/// <summary><c>GET /map</c>: every stored embedding laid out in 2D or 3D (PCA or t-SNE), for the web page's map.</summary>
public static class CollectionMapApi
{
    /// <summary>Seconds a client should wait before asking again for a map that is still computing.</summary>
    public const int RetryAfterSeconds = 2;

    public static IServiceCollection AddCollectionMaps(this IServiceCollection services) => services.AddSingleton<CollectionMaps>();

    public static IEndpointRouteBuilder MapCollectionMapApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/map").WithTags("Map").RequireApiKeyForReads()
            .AddEndpointFilter<RequireEngine>();

        group.MapGet("/", GetAsync)
            .WithName("Map")
            .WithSummary("Every stored embedding laid out in 2D or 3D (PCA or t-SNE)")
            .WithDescription(
                "method=pca (default) or tsne; dimensions=2 (default) or 3. Maps are computed in the background, one at a time, " +
                "and cached until the collection changes. While one is computing the answer is 202 with Retry-After; ask again. " +
                "Above 50,000 images the map holds a seeded random sample of 50,000.")
            // Documented with the 200's schema, which has every member of MapPending: generators read every success
            // answer as one type (Kiota) or throw for a second one (NSwag), and the 202's body is valid against it.
            .Produces<MapResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status500InternalServerError)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        return routes;
    }

    private static async Task<Results<Ok<MapResponse>, JsonHttpResult<MapPending>, ProblemHttpResult>> GetAsync(
        HttpResponse response,
        ReadyEngine engine,
        CollectionMaps maps,
        [FromQuery(Name = "method")][AllowedValues(MapResponse.Pca, MapResponse.Tsne)] string? method,
        [FromQuery(Name = "dimensions")] int? dimensions,
        CancellationToken cancellationToken)
    {
        MapMethod mapMethod;
        switch (method?.ToLowerInvariant())
        {
            case null or "" or "pca":
                mapMethod = MapMethod.Pca;
                break;
            case "tsne" or "t-sne":
                mapMethod = MapMethod.Tsne;
                break;
            default:
                return Problems.BadParameter("method", $"'method' must be 'pca' or 'tsne'; it was '{method}'.");
        }

        var dims = dimensions ?? 2;
        if (dims is not (2 or 3))
        {
            return Problems.BadParameter("dimensions", $"'dimensions' must be 2 or 3; it was {dims}.");
        }

        var lookup = await maps.GetAsync(engine.Search.Store, mapMethod, dims, cancellationToken);
        var name = mapMethod == MapMethod.Pca ? MapResponse.Pca : MapResponse.Tsne;
        if (lookup.Failed)
        {
            return TypedResults.Problem(title: "Map failed", detail: $"The {name} map could not be computed; the cause is in the service's log.", statusCode: StatusCodes.Status500InternalServerError);
        }

        if (lookup.Map is not { } map)
        {
            response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Json(
                new MapPending(MapPending.Computing, name, dims, $"The {name} map is being computed; ask again in {RetryAfterSeconds} s."),
                statusCode: StatusCodes.Status202Accepted);
        }

        var points = map.Points
            .Select(p => new MapPointResponse(p.Id, ImageLabel.Of(p.Source), p.X, p.Y, dims == 3 ? p.Z : null))
            .ToList();
        return TypedResults.Ok(new MapResponse(MapResponse.Ready, name, dims, map.Version, map.Total, map.Sampled, map.ExplainedVariance, points));
    }
}
