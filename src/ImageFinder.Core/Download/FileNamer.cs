using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ImageFinder.Download;

/// <summary>
/// Turns CSV rows into safe, unique file names before anything is downloaded. A name comes from the
/// <c>filename</c> column, else the <c>id</c> column, else the URL's last path segment. Every name and label
/// is sanitised: no path separators, no <c>..</c>, no control or invisible formatting characters, no leading
/// dot or dash, bounded length. Two rows wanting the same name in the same folder (compared
/// case-insensitively) are told apart by the first 8 hex digits of the SHA-256 of the later row's URL; the
/// decision depends only on the CSV's row order, so a re-run picks the same names.
/// </summary>
public static class FileNamer
{
    /// <summary>Longest sanitised name or label, in UTF-16 characters (a final name adds at most a suffix and an extension).</summary>
    public const int MaxLength = 100;

    /// <summary>Longest sanitised name or label in UTF-8 bytes (file systems count bytes: 255 at most).</summary>
    public const int MaxUtf8Bytes = 180;

    /// <summary>The extensions a downloaded file can get, one per format the downloader accepts.</summary>
    public static readonly IReadOnlyList<string> Extensions = [".jpg", ".png", ".webp", ".gif", ".tif", ".heic", ".avif"];

    private static readonly string[] StrippedExtensions =
        [".jpg", ".jpeg", ".jpe", ".png", ".webp", ".gif", ".tif", ".tiff", ".heic", ".heif", ".avif", ".bmp"];

    /// <summary>Decides the folder and file name of every row, in CSV order; rows repeating an earlier row's URL and label are dropped.</summary>
    public static DownloadPlan Plan(IReadOnlyList<DownloadRequest> requests)
    {
        var folders = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var items = new List<PlannedDownload>(requests.Count);
        var duplicates = 0;
        foreach (var request in requests)
        {
            var label = Sanitize(request.Label);
            var folder = label.Length == 0 ? string.Empty : folders.TryAdd(label, label) ? label : folders[label];
            var uri = UrlPolicy.Parse(request.Url, out var problem);
            if (uri is null)
            {
                items.Add(new PlannedDownload(request, null, problem, folder, string.Empty));
                continue;
            }

            if (!seen.Add(folder.ToUpperInvariant() + "\n" + uri.AbsoluteUri))
            {
                duplicates++;
                continue;
            }

            var stem = Unique(StemFor(request, uri), uri, folder, taken);
            items.Add(new PlannedDownload(request, uri, null, folder, stem));
        }

        return new DownloadPlan(items, duplicates);
    }

    /// <summary>The name a row asks for, sanitised, without a known image extension: its filename, else its id, else the URL's last segment.</summary>
    public static string StemFor(DownloadRequest request, Uri uri)
    {
        foreach (var candidate in new[] { request.FileName, request.Id, LastSegment(uri) })
        {
            var stem = WithoutImageExtension(Sanitize(candidate));
            if (stem.Length > 0)
            {
                return stem;
            }
        }

        return "image-" + ShortHash(uri);
    }

    /// <summary>
    /// A string made safe as one file or folder name: separators, reserved, control and invisible formatting
    /// characters become '_', ".." becomes ".", leading dots, dashes, underscores and spaces and trailing
    /// dots and spaces are removed, and the result is cut to <see cref="MaxLength"/> characters and
    /// <see cref="MaxUtf8Bytes"/> bytes. Empty when nothing usable is left.
    /// </summary>
    public static string Sanitize(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return string.Empty;
        }

        var builder = new StringBuilder(raw.Length);
        foreach (var rune in raw.EnumerateRunes())
        {
            var replace = IsUnsafe(rune);
            if (replace && builder.Length > 0 && builder[^1] == '_')
            {
                continue;
            }

            if (replace)
            {
                builder.Append('_');
            }
            else
            {
                builder.Append(rune.ToString());
            }
        }

        var name = builder.ToString();
        while (name.Contains("..", StringComparison.Ordinal))
        {
            name = name.Replace("..", ".", StringComparison.Ordinal);
        }

        return Trim(Truncate(Trim(name)));
    }

    /// <summary>The first 8 hex digits of the SHA-256 of the URL: the suffix that tells colliding names apart.</summary>
    public static string ShortHash(Uri uri) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(uri.AbsoluteUri)))[..8];

    private static string Unique(string stem, Uri uri, string folder, HashSet<string> taken)
    {
        var candidate = stem;
        var hashed = $"{stem}-{ShortHash(uri)}";
        for (var n = 1; !taken.Add(folder + "/" + candidate); n++)
        {
            candidate = n == 1 ? hashed : $"{hashed}-{n}";
        }

        return candidate;
    }

    private static string? LastSegment(Uri uri)
    {
        var segment = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).LastOrDefault();
        return segment is null ? null : Uri.UnescapeDataString(segment);
    }

    private static string WithoutImageExtension(string name)
    {
        var extension = StrippedExtensions.FirstOrDefault(e => name.EndsWith(e, StringComparison.OrdinalIgnoreCase));
        return extension is null ? name : Trim(name[..^extension.Length]);
    }

    private static bool IsUnsafe(Rune rune)
    {
        if (rune.Value is '/' or '\\' or ':' or '*' or '?' or '"' or '<' or '>' or '|')
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;
    }

    private static string Trim(string name) => name.TrimStart(' ', '.', '-', '_').TrimEnd(' ', '.');

    private static string Truncate(string name)
    {
        var length = 0;
        var bytes = 0;
        foreach (var rune in name.EnumerateRunes())
        {
            if (length + rune.Utf16SequenceLength > MaxLength || bytes + rune.Utf8SequenceLength > MaxUtf8Bytes)
            {
                break;
            }

            length += rune.Utf16SequenceLength;
            bytes += rune.Utf8SequenceLength;
        }

        return name[..length];
    }
}
