using ImageFinder.Storage;

namespace ImageFinder.Search;

/// <summary>
/// The nearest stored images, nearest first, and where the time went: decoding and preprocessing the query,
/// inference (waiting for a batch included) and the KNN search.
/// </summary>
public sealed record ImageSearchResult(IReadOnlyList<SearchHit> Hits, TimeSpan Decode, TimeSpan Inference, TimeSpan Knn);
