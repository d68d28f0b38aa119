namespace ImageFinder.Api.Search;

/// <summary>The answer to <c>POST /search/batch</c>: one item per file, in the order the files were sent.</summary>
/// <param name="Files">How many files the request held.</param>
/// <param name="Succeeded">How many of them were searched (status 200).</param>
/// <param name="Items">One per file, in order, each with its own status.</param>
public sealed record BatchSearchResponse(int Files, int Succeeded, IReadOnlyList<BatchSearchItem> Items);
