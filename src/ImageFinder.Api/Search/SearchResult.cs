namespace ImageFinder.Api.Search;

/// <summary>One match.</summary>
/// <param name="Index">The image's id in the collection.</param>
/// <param name="Distance">L2 distance between the query's embedding and this image's; 0 is identical.</param>
/// <param name="Source">Where the image came from (file path or URL) when it was ingested.</param>
public sealed record SearchResult(long Index, float Distance, string Source);
