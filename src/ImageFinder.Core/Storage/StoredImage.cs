namespace ImageFinder.Storage;

/// <summary>One row of the images table. <see cref="Id"/> is the "index" the API returns.</summary>
public sealed record StoredImage(
    long Id,
    string Source,
    string Sha256,
    long SizeBytes,
    DateTimeOffset Modified,
    int Width,
    int Height,
    DateTimeOffset Added);
