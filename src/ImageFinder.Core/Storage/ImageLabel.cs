namespace ImageFinder.Storage;

/// <summary>
/// The label of a stored image: the name of the folder its source is in (a folder-per-class collection such
/// as Caltech-101 keeps each class in its own folder). Works for file paths and for URLs.
/// </summary>
public static class ImageLabel
{
    /// <summary>The last folder name of <paramref name="source"/>, or null when it has none.</summary>
    public static string? Of(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var path = Uri.TryCreate(source, UriKind.Absolute, out var uri) && !uri.IsFile ? uri.AbsolutePath : source;
        var end = path.TrimEnd('/', '\\');
        var lastSeparator = end.LastIndexOfAny(['/', '\\']);
        if (lastSeparator <= 0)
        {
            return null;
        }

        var folder = end[..lastSeparator].TrimEnd('/', '\\');
        var start = folder.LastIndexOfAny(['/', '\\']) + 1;
        var name = folder[start..];
        return name.Length == 0 || name.EndsWith(':') ? null : Uri.UnescapeDataString(name);
    }
}
