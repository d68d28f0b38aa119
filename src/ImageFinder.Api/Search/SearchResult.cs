namespace ImageFinder.Api.Search;

/// <summary>One match.</summary>
/// <param name="Index">The image's id in the collection.</param>
/// <param name="Distance">Distance between the query's embedding and this image's in the collection's metric; 0 is identical.</param>
/// <param name="Source">Where the image came from (file path or URL) when it was ingested.</param>
/// <param name="Label">The name of the folder the image is in (its class in a folder-per-class collection); null when none.</param>
public sealed record SearchResult(long Index, float Distance, string Source, string? Label);
