using ImageFinder.Storage;

namespace ImageFinder.Mapping;

/// <summary>
/// A map's sample of a store that has no local snapshot to stream from (a Garnet cluster): the collection is read once
/// in id order and the sampled rows' vectors are kept in memory (Count × dimension × 4 bytes: 400 MB for 50,000
/// 2048-d vectors). The sample is the one <see cref="StoredVectors"/> takes of the same collection and seed.
/// </summary>
public sealed class LoadedVectors : IMapSample
{
    private readonly float[] rows;

    private LoadedVectors(int dimension, long version, int total, long[] ids, string[] sources, float[] rows)
    {
        Dimension = dimension;
        Version = version;
        Total = total;
        Ids = ids;
        Sources = sources;
        this.rows = rows;
    }

    public int Count => Ids.Count;

    public int Dimension { get; }

    public long Version { get; }

    public int Total { get; }

    public IReadOnlyList<long> Ids { get; }

    public IReadOnlyList<string> Sources { get; }

    /// <summary>
    /// Reads <paramref name="store"/>'s sample. The version is read first, so a write during the read makes the sample
    /// look older than it is (the map is then recomputed), never newer.
    /// </summary>
    public static async Task<LoadedVectors> LoadAsync(IImageStore store, int maxPoints, int seed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoints, 1);
        var version = await store.ReadVersionAsync(cancellationToken).ConfigureAwait(false);
        var counted = (int)Math.Min(int.MaxValue, await store.CountAsync(cancellationToken).ConfigureAwait(false));
        var keep = new HashSet<int>(StoredVectors.Sample(counted, maxPoints, seed));
        var dimension = store.Collection.Dimension;
        var ids = new List<long>();
        var sources = new List<string>();
        var vectors = new List<float[]>();
        var ordinal = 0;
        await foreach (var (image, vector) in store.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            // Images written after the count are past its end: a later map shows them.
            if (keep.Contains(ordinal++))
            {
                ids.Add(image.Id);
                sources.Add(image.Source);
                vectors.Add(vector);
            }
        }

        var rows = new float[vectors.Count * dimension];
        for (var row = 0; row < vectors.Count; row++)
        {
            vectors[row].CopyTo(rows, row * dimension);
        }

        return new LoadedVectors(dimension, version, Math.Max(counted, ids.Count), [.. ids], [.. sources], rows);
    }

    public void ForEach(VectorVisitor visitor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(visitor);
        for (var row = 0; row < Count; row++)
        {
            if ((row & 1023) == 1023)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            visitor(row, rows.AsSpan(row * Dimension, Dimension));
        }
    }

    public void Dispose()
    {
    }
}
