namespace ImageFinder.Api.Images;

/// <summary>A page of the collection, in id order.</summary>
/// <param name="Total">Images in the collection.</param>
/// <param name="Offset">Images skipped before this page.</param>
/// <param name="Limit">Most images in a page.</param>
/// <param name="Items">This page's images.</param>
public sealed record ImagePage(long Total, int Offset, int Limit, IReadOnlyList<ImageInfo> Items);
