using System.ComponentModel.DataAnnotations;
using ImageFinder.Storage;

namespace ImageFinder.Api.Search;

/// <summary>The answer to a search.</summary>
/// <param name="Model">The model that embedded the query and the collection.</param>
/// <param name="Metric">The collection's distance: <c>l2</c>, <c>cosine</c> or <c>l1</c>.</param>
/// <param name="Match">Whether any result is within <c>maxDistance</c> (without a threshold: whether there is any result).</param>
/// <param name="Results">Nearest first; empty when the collection is empty or nothing is within <c>maxDistance</c>.</param>
public sealed record SearchResponse(string Model, [property: AllowedValues(CollectionInfo.L2, CollectionInfo.Cosine, CollectionInfo.L1)] string Metric, bool Match, IReadOnlyList<SearchResult> Results)
{
    /// <summary>The response for <paramref name="hits"/>, dropping those farther than <paramref name="maxDistance"/>.</summary>
    public static SearchResponse From(string model, string metric, IEnumerable<SearchHit> hits, float? maxDistance)
    {
        var results = hits
            .Where(hit => maxDistance is not { } limit || hit.Distance <= limit)
            .Select(hit => new SearchResult(hit.Id, hit.Distance, hit.Source, ImageLabel.Of(hit.Source)))
            .ToList();
        return new SearchResponse(model, metric, results.Count > 0, results);
    }
}
