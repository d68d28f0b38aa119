namespace ImageFinder.Bench.Knn;

/// <summary>The k smallest distances seen so far, in a max-heap of k entries (the worst kept one on top).</summary>
internal sealed class TopK
{
    private readonly float[] distances;
    private readonly long[] ids;
    private int count;

    public TopK(int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        distances = new float[k];
        ids = new long[k];
    }

    /// <summary>A distance must be below this to enter.</summary>
    public float Threshold => count < distances.Length ? float.PositiveInfinity : distances[0];

    public void Offer(float distance, long id)
    {
        if (count < distances.Length)
        {
            distances[count] = distance;
            ids[count] = id;
            SiftUp(count++);
        }
        else if (distance < distances[0])
        {
            distances[0] = distance;
            ids[0] = id;
            SiftDown(0);
        }
    }

    /// <summary>The kept ids, nearest first (equal distances in id order).</summary>
    public long[] SortedIds()
    {
        var order = Enumerable.Range(0, count)
            .OrderBy(i => distances[i])
            .ThenBy(i => ids[i]);
        return order.Select(i => ids[i]).ToArray();
    }

    private void SiftUp(int child)
    {
        while (child > 0)
        {
            var parent = (child - 1) / 2;
            if (distances[parent] >= distances[child])
            {
                return;
            }

            Swap(parent, child);
            child = parent;
        }
    }

    private void SiftDown(int parent)
    {
        while (true)
        {
            var largest = parent;
            var left = (2 * parent) + 1;
            var right = left + 1;
            if (left < count && distances[left] > distances[largest])
            {
                largest = left;
            }

            if (right < count && distances[right] > distances[largest])
            {
                largest = right;
            }

            if (largest == parent)
            {
                return;
            }

            Swap(parent, largest);
            parent = largest;
        }
    }

    private void Swap(int a, int b)
    {
        (distances[a], distances[b]) = (distances[b], distances[a]);
        (ids[a], ids[b]) = (ids[b], ids[a]);
    }
}
