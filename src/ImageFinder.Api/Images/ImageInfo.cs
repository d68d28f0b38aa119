using ImageFinder.Storage;

namespace ImageFinder.Api.Images;

/// <summary>What the collection knows about one image.</summary>
/// <param name="Id">The image's id (the <c>index</c> of search results).</param>
/// <param name="Source">Where it came from: the file it was ingested from, or the stored upload.</param>
/// <param name="Label">The name of the folder it is in; null when none.</param>
/// <param name="Sha256">SHA-256 of the file's bytes, lower-case hex.</param>
/// <param name="SizeBytes">The file's size.</param>
/// <param name="Width">Width in pixels, as the image header declares it.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Modified">The file's last write time when it was embedded.</param>
/// <param name="Added">When it entered the collection.</param>
/// <param name="FileUrl">Where to get the image itself (add <c>?size=N</c> for a thumbnail).</param>
public sealed record ImageInfo(
    long Id,
    string Source,
    string? Label,
    string Sha256,
    long SizeBytes,
    int Width,
    int Height,
    DateTimeOffset Modified,
    DateTimeOffset Added,
    string FileUrl)
{
    public static ImageInfo From(StoredImage image) => new(
        image.Id,
        image.Source,
        ImageLabel.Of(image.Source),
        image.Sha256,
        image.SizeBytes,
        image.Width,
        image.Height,
        image.Modified,
        image.Added,
        $"/images/{image.Id}/file");
}
