namespace ImageFinder.Evaluation;

/// <summary>The class of an image in a folder-per-class collection: the first folder under the root.</summary>
public static class FolderLabels
{
    /// <summary>
    /// The name of the folder directly under <paramref name="root"/> that holds <paramref name="source"/> (at any depth),
    /// or null for a file lying directly in the root or outside it.
    /// </summary>
    public static string? LabelOf(string root, string source)
    {
        var relative = Path.GetRelativePath(Path.GetFullPath(root), source);
        if (relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            return null;
        }

        var separator = relative.IndexOf(Path.DirectorySeparatorChar, StringComparison.Ordinal);
        return separator > 0 ? relative[..separator] : null;
    }
}
