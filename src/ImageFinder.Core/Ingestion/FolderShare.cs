using System.IO.Hashing;
using System.Text;

namespace ImageFinder.Ingestion;

/// <summary>
/// Share <see cref="Index"/> of <see cref="Count"/> of a folder (<c>ingest --shard I/N</c>): a file belongs to the share
/// its path relative to the folder hashes to, so N jobs on N machines that see the folder at any mount point take
/// disjoint shares that together cover it, and the same file always lands in the same share. Shares that overlap by
/// mistake (two jobs given the same share) write no duplicates: a source already stored keeps its id.
/// </summary>
public readonly record struct FolderShare(int Index, int Count)
{
    /// <summary>Parses "I/N" (1 ≤ I ≤ N ≤ 65536); the error names the option.</summary>
    public static (FolderShare? Share, string? Error) Parse(string? text)
    {
        if (text is null)
        {
            return (null, null);
        }

        var parts = text.Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index)
            && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var count)
            && count is >= 1 and <= 65_536 && index >= 1 && index <= count)
        {
            return (new FolderShare(index, count), null);
        }

        return (null, $"--shard: '{text}' is not I/N with 1 <= I <= N <= 65536 (for example 2/4: the second of four shares).");
    }

    /// <summary>Whether <paramref name="path"/> (a file under <paramref name="folder"/>) is in this share.</summary>
    public bool Includes(string folder, string path)
    {
        var relative = Path.GetRelativePath(folder, path).Replace(Path.DirectorySeparatorChar, '/');
        return (int)(XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(relative)) % (ulong)Count) == Index - 1;
    }

    /// <summary>The files of <paramref name="files"/> (a scan of <paramref name="folder"/>) in this share, in their order.</summary>
    public IReadOnlyList<ImageFile> Of(string folder, IReadOnlyList<ImageFile> files)
    {
        var share = this;
        return files.Where(file => share.Includes(folder, file.Path)).ToList();
    }

    public override string ToString() => $"{Index}/{Count}";
}
