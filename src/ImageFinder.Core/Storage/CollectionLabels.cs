namespace ImageFinder.Storage;

/// <summary>The labels (folder names) of a collection with how many images each has: what a label filter can pick from.</summary>
public static class CollectionLabels
{
    /// <summary>Every label with its image count, ordered by label (ordinal), and the number of images with no label.</summary>
    public static async Task<(IReadOnlyList<(string Label, int Count)> Labels, int Unlabelled)> CountAsync(ICollectionReader reader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var sources = await reader.LoadFingerprintsAsync(cancellationToken).ConfigureAwait(false);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var unlabelled = 0;
        foreach (var source in sources.Keys)
        {
            if (ImageLabel.Of(source) is { } label)
            {
                counts[label] = counts.GetValueOrDefault(label) + 1;
            }
            else
            {
                unlabelled++;
            }
        }

        return (counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => (c.Key, c.Value)).ToList(), unlabelled);
    }
}
