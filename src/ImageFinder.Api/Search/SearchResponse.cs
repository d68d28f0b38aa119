namespace ImageFinder.Api.Search;

/// <summary>The answer to a search.</summary>
/// <param name="Model">The model that embedded the query and the collection.</param>
/// <param name="Results">Nearest first; empty when the collection is empty.</param>
public sealed record SearchResponse(string Model, IReadOnlyList<SearchResult> Results);
