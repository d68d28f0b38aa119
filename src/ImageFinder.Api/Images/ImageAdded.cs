namespace ImageFinder.Api.Images;

/// <summary>The answer to <c>POST /images</c>.</summary>
/// <param name="Id">The image's id.</param>
/// <param name="Created">False when the same bytes were already in the collection (the existing image's id is returned).</param>
/// <param name="Image">The stored image.</param>
public sealed record ImageAdded(long Id, bool Created, ImageInfo Image);
