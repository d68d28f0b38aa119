using ImageFinder.Storage;

namespace ImageFinder.Index;

/// <summary>
/// What a filtered search tests of each image, kept beside the codes of a <see cref="VectorIndex"/>: its label (interned:
/// a number per distinct folder name), added time and size, about 40 bytes an image. With them the index finds the
/// images a filter matches without asking SQLite, so the matching subset can be scanned exactly when it is small, and a
/// probe can skip non-matching rows inside the cells it scans.
/// </summary>
/// <remarks>Not thread-safe: the index changes it under its write lock and reads it under its read lock.</remarks>
internal sealed class ImageFacets
{
    private const int NoLabel = -1;

    private readonly Dictionary<long, Facet> facets;
    private readonly Dictionary<string, int> labels;

    public ImageFacets()
        : this(new Dictionary<long, Facet>(), new Dictionary<string, int>(StringComparer.Ordinal))
    {
    }

    private ImageFacets(Dictionary<long, Facet> facets, Dictionary<string, int> labels)
    {
        this.facets = facets;
        this.labels = labels;
    }

    public int Count => facets.Count;

    /// <summary>Memory the facets take (entries and the label table), roughly.</summary>
    public long Bytes => (facets.Count * 48L) + labels.Keys.Sum(label => 40L + (2L * label.Length));

    public void Set(long id, string source, long addedMs, int width, int height)
    {
        var label = ImageLabel.Of(source);
        var labelId = NoLabel;
        if (label is not null && !labels.TryGetValue(label, out labelId))
        {
            labelId = labels.Count;
            labels[label] = labelId;
        }

        facets[id] = new Facet(labelId, addedMs, width, height);
    }

    public void Remove(long id) => facets.Remove(id);

    public void Clear() => facets.Clear();

    public ImageFacets Clone() => new(new Dictionary<long, Facet>(facets), new Dictionary<string, int>(labels, StringComparer.Ordinal));

    /// <summary>The filter in the facets' terms (labels as their numbers; a label no image has matches nothing).</summary>
    public Compiled Compile(ImageFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        int[]? labelIds = null;
        if (filter.Labels.Count > 0)
        {
            labelIds = filter.Labels.Select(label => labels.TryGetValue(label, out var id) ? id : (int?)null).OfType<int>().Distinct().Order().ToArray();
        }

        return new Compiled(labelIds, filter.AddedAfterMs, filter.AddedBeforeMs, filter.MinWidth ?? 0, filter.MinHeight ?? 0);
    }

    /// <summary>Whether image <paramref name="id"/> passes (false for an image the facets do not know).</summary>
    public bool Matches(long id, Compiled filter) => facets.TryGetValue(id, out var facet) && filter.Matches(facet);

    /// <summary>The ids of the images that pass.</summary>
    public List<long> Matching(Compiled filter)
    {
        var matching = new List<long>();
        if (filter.Labels is { Length: 0 })
        {
            return matching;
        }

        foreach (var (id, facet) in facets)
        {
            if (filter.Matches(facet))
            {
                matching.Add(id);
            }
        }

        return matching;
    }

    internal readonly record struct Facet(int Label, long AddedMs, int Width, int Height);

    /// <summary>A filter as the facets test it; <see cref="Labels"/> null: any label.</summary>
    internal sealed record Compiled(int[]? Labels, long AddedAfterMs, long AddedBeforeMs, int MinWidth, int MinHeight)
    {
        public bool Matches(Facet facet) =>
            facet.AddedMs >= AddedAfterMs
            && facet.AddedMs < AddedBeforeMs
            && facet.Width >= MinWidth
            && facet.Height >= MinHeight
            && (Labels is null || Array.BinarySearch(Labels, facet.Label) >= 0);
    }
}
