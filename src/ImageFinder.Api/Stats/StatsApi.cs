using ImageFinder.Api.Hosting;
using ImageFinder.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ImageFinder.Api.Stats;

/// <summary><c>GET /stats</c>: size of the collection, its model and metric, and the search mode in use.</summary>
public static class StatsApi
{
    public static IEndpointRouteBuilder MapStatsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/stats").WithTags("Stats").RequireApiKeyForReads()
            .AddEndpointFilter<RequireEngine>()
            .MapGet("/", GetAsync)
            .WithName("Stats")
            .WithSummary("Count, model, dimension, metric, database size, search mode and index")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return routes;
    }

    private static async Task<Ok<StatsResponse>> GetAsync(ReadyEngine engine, IOptions<ApiOptions> api, CancellationToken cancellationToken)
    {
        var search = engine.Search;
        var count = await search.CollectionSize.CountAsync(cancellationToken);
        var knn = search.Knn.Options;
        return TypedResults.Ok(new StatsResponse(
            count,
            search.Model.Name,
            search.Store.Collection.ModelSha256,
            search.Model.Dimension,
            search.Store.Collection.Metric,
            search.Store.Kind,
            search.Store.StorageBytes,
            knn.Mode.ToString(),
            search.Knn.UsesStoreIndex ? StatsResponse.GarnetSearch : search.Knn.ModeFor(count).ToString(),
            knn.ExactMaxVectors,
            search.Knn.Status,
            !string.IsNullOrEmpty(api.Value.ApiKey)));
    }
}
