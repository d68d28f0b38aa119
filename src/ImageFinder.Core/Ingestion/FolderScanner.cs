namespace ImageFinder.Ingestion;

/// <summary>Finds image files under a folder, recursively, in a stable order.</summary>
public static class FolderScanner
{
    /// <summary>File extensions the ingest job picks up (case-insensitive).</summary>
    public static readonly IReadOnlySet<string> Extensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".jpg", ".jpeg", ".jpe", ".png", ".webp", ".gif", ".tif", ".tiff", ".bmp", ".heic", ".heif", ".avif",
    };

    /// <summary>Every file with an image extension under <paramref name="folder"/>; hidden files and folders are skipped.</summary>
    public static IReadOnlyList<ImageFile> Scan(string folder)
    {
        var root = Path.GetFullPath(folder);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"Folder not found: {root}");
        }

        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = true,
            AttributesToSkip = FileAttributes.Hidden | FileAttributes.System | FileAttributes.Device | FileAttributes.ReparsePoint,
            ReturnSpecialDirectories = false,
        };

        return new DirectoryInfo(root)
            .EnumerateFiles("*", options)
            .Where(file => Extensions.Contains(file.Extension) && !IsHidden(root, file.FullName))
            .Select(file => new ImageFile(file.FullName, file.Length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero)))
            .OrderBy(file => file.Path, StringComparer.Ordinal)
            .ToList();
    }

    private static bool IsHidden(string root, string path) =>
        Path.GetRelativePath(root, path).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.'));
}
