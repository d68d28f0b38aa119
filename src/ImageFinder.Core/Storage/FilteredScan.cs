using ImageFinder.Distances;

namespace ImageFinder.Storage;

/// <summary>
/// The reference filtered search: every entry of a collection read once, the filter applied to each row, the exact
/// metric computed for those that pass, the k nearest kept. Correct by construction and linear in the collection, so
/// stores use it only where nothing faster applies, and tests compare the fast paths with it.
/// </summary>
public static class FilteredScan
{
    public static async Task<IReadOnlyList<SearchHit>> SearchAsync(
        ICollectionReader reader, float[] query, int k, ImageFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var metric = reader.Collection.Metric;
        // The k best so far, worst on top.
        var best = new PriorityQueue<SearchHit, (float Distance, long Id)>(k + 1, Comparer<(float Distance, long Id)>.Create((a, b) => b.CompareTo(a)));
        await foreach (var entry in reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!filter.Matches(entry.Image))
            {
                continue;
            }

            var distance = VectorDistance.Compute(metric, query, entry.Vector);
            best.Enqueue(new SearchHit(entry.Image.Id, distance, entry.Image.Source), (distance, entry.Image.Id));
            if (best.Count > k)
            {
                best.Dequeue();
            }
        }

        var hits = best.UnorderedItems.Select(item => item.Element).ToList();
        VectorStore.SortHits(hits);
        return hits;
    }
}
