using ImageFinder.Api.Hosting;
using ImageFinder.Api.Security;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ImageFinder.Api.Labels;

/// <summary><c>GET /labels</c>: the collection's labels with their image counts, for the <c>label</c> filter (the web page's picker).</summary>
public static class LabelsApi
{
    public static IServiceCollection AddLabels(this IServiceCollection services) => services.AddSingleton<LabelsCache>();

    public static IEndpointRouteBuilder MapLabelsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGroup("/labels").WithTags("Labels").RequireApiKeyForReads()
            .AddEndpointFilter<RequireEngine>()
            .MapGet("/", GetAsync)
            .WithName("Labels")
            .WithSummary("The collection's labels (folders) with their image counts")
            .WithDescription(
                "An image's label is the name of the folder it is in (its class in a folder-per-class collection). These are the values the " +
                "'label' filter of POST /search, POST /search/url and GET /images/{id}/similar matches. Counted again only when the collection changed.")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return routes;
    }

    private static async Task<Ok<LabelsResponse>> GetAsync(ReadyEngine engine, LabelsCache cache, CancellationToken cancellationToken) =>
        TypedResults.Ok(await cache.GetAsync(engine.Search.Store, cancellationToken));
}
