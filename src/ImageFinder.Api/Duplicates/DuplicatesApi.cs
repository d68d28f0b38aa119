using ImageFinder.Api.Errors;
using ImageFinder.Api.Hosting;
using ImageFinder.Api.Security;
using ImageFinder.Duplicates;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ImageFinder.Api.Duplicates;

/// <summary><c>GET /duplicates</c>: groups of near-identical images (re-encodes, resizes) in the collection.</summary>
public static class DuplicatesApi
{
    /// <summary>The one-report-at-a-time gate of <c>GET /duplicates</c>.</summary>
    public static IServiceCollection AddDuplicatesReports(this IServiceCollection services) => services.AddSingleton<DuplicatesGate>();

    public static IEndpointRouteBuilder MapDuplicatesApi(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/duplicates").WithTags("Duplicates").RequireApiKeyForReads()
            .AddEndpointFilter<RequireEngine>();

        group.MapGet("/", GetAsync)
            .WithName("Duplicates")
            .WithSummary("Groups of near-identical images in the collection")
            .WithDescription(
                "Compares every stored image with every other by the collection's metric and returns the groups of images linked " +
                "by distances within 'maxDistance' (re-encodes, resizes, light edits), largest group first. In each group the first " +
                "image is the largest (most pixels), and 'distance' is each image's distance to it. 'maxDistance' is in the collection's " +
                "metric; without it the default is 0.05 for cosine, and for l2/l1 0.32 × the collection's median vector norm. Every pair " +
                "is compared exactly, with all vectors in memory, so the work grows with the square of the collection's size. One report is computed at a " +
                "time; a request meanwhile gets 503 with Retry-After.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        return routes;
    }

    private static async Task<Results<Ok<DuplicatesResponse>, ProblemHttpResult>> GetAsync(
        float? maxDistance, HttpResponse response, ReadyEngine engine, DuplicatesGate gate, CancellationToken cancellationToken)
    {
        if (maxDistance is { } given && (!float.IsFinite(given) || given < 0))
        {
            return Problems.BadParameter("maxDistance", $"'maxDistance' must be a number, 0 or more, in the collection's distance metric; it was {given}.");
        }

        var search = engine.Search;
        if (!await gate.Semaphore.WaitAsync(0, cancellationToken))
        {
            return Problems.Busy(response, "Another duplicates report is being computed; retry when it is done.", retryAfterSeconds: 5);
        }

        DuplicateReport report;
        try
        {
            report = await DuplicateFinder.FindAsync(search.Store, maxDistance, cancellationToken);
        }
        finally
        {
            gate.Semaphore.Release();
        }

        return TypedResults.Ok(new DuplicatesResponse(search.Model.Name, report.Metric, report.MaxDistance, report.DefaultThreshold, report.Images, report.Groups));
    }
}
