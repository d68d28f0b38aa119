namespace ImageFinder.Storage;

/// <summary>Reads every stored vector of a collection (or of one folder of it) into memory, in id order.</summary>
public static class CollectionVectors
{
    /// <summary>
    /// The images of <paramref name="store"/> with their vectors; with <paramref name="folder"/>, only those whose source
    /// lies under it. Memory: dimension × 4 bytes per image (8 KiB at 2048-d).
    /// </summary>
    public static async Task<List<StoredVector>> ReadAsync(IImageStore store, string? folder = null, CancellationToken cancellationToken = default)
    {
        var root = folder is null ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)) + Path.DirectorySeparatorChar;
        var vectors = new List<StoredVector>();
        await foreach (var (image, vector) in store.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (root is null || image.Source.StartsWith(root, StringComparison.Ordinal))
            {
                vectors.Add(new StoredVector(image.Id, image.Source, image.Width, image.Height, vector));
            }
        }

        return vectors;
    }
}
