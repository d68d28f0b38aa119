namespace ImageFinder.Storage;

/// <summary>
/// Which stored images a filtered search may answer with. Every condition given must hold; an empty filter
/// (<see cref="None"/>) matches every image. A filtered search returns the k nearest images <em>among those that match</em>,
/// never the k nearest filtered down to fewer.
/// </summary>
/// <remarks>
/// The added-time window is half-open, <c>[AddedAfter, AddedBefore)</c>, so consecutive windows split a collection
/// without overlap. Labels are compared as stored (ordinal, case-sensitive), like the folder names they come from.
/// </remarks>
public sealed record ImageFilter
{
    /// <summary>The filter that matches every image.</summary>
    public static readonly ImageFilter None = new();

    /// <summary>Any of these labels (<see cref="ImageLabel.Of"/>: the image's folder); empty: any label, or none.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>Added at or after this instant.</summary>
    public DateTimeOffset? AddedAfter { get; init; }

    /// <summary>Added strictly before this instant.</summary>
    public DateTimeOffset? AddedBefore { get; init; }

    /// <summary>At least this many pixels wide (as stored: the original image's width).</summary>
    public int? MinWidth { get; init; }

    /// <summary>At least this many pixels high.</summary>
    public int? MinHeight { get; init; }

    /// <summary>Whether the filter lets every image through.</summary>
    public bool IsEmpty => Labels.Count == 0 && AddedAfter is null && AddedBefore is null && MinWidth is null && MinHeight is null;

    /// <summary><see cref="AddedAfter"/> in Unix milliseconds, as stores keep added times (<see cref="long.MinValue"/>: none).</summary>
    public long AddedAfterMs => AddedAfter?.ToUnixTimeMilliseconds() ?? long.MinValue;

    /// <summary><see cref="AddedBefore"/> in Unix milliseconds (<see cref="long.MaxValue"/>: none).</summary>
    public long AddedBeforeMs => AddedBefore?.ToUnixTimeMilliseconds() ?? long.MaxValue;

    /// <summary>Whether an image with this label, added time (Unix ms) and size passes.</summary>
    public bool Matches(string? label, long addedMs, int width, int height) =>
        (Labels.Count == 0 || (label is not null && Labels.Contains(label, StringComparer.Ordinal)))
        && addedMs >= AddedAfterMs
        && addedMs < AddedBeforeMs
        && width >= (MinWidth ?? 0)
        && height >= (MinHeight ?? 0);

    /// <summary>Whether <paramref name="image"/> passes.</summary>
    public bool Matches(StoredImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Matches(ImageLabel.Of(image.Source), image.Added.ToUnixTimeMilliseconds(), image.Width, image.Height);
    }

    /// <summary>The filter in words, for logs and the CLI (e.g. <c>label in [cat, dog], minWidth 200</c>); "none" when empty.</summary>
    public override string ToString()
    {
        var parts = new List<string>();
        if (Labels.Count > 0)
        {
            parts.Add($"label in [{string.Join(", ", Labels)}]");
        }

        if (AddedAfter is { } after)
        {
            parts.Add($"added at or after {after:O}");
        }

        if (AddedBefore is { } before)
        {
            parts.Add($"added before {before:O}");
        }

        if (MinWidth is { } width)
        {
            parts.Add($"minWidth {width}");
        }

        if (MinHeight is { } height)
        {
            parts.Add($"minHeight {height}");
        }

        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }
}
