using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace ImageFinder.Storage;

/// <summary>
/// An in-memory binary-quantized index over a <see cref="VectorStore"/>: each vector becomes one bit per
/// dimension, set where it is above the collection mean (centring first matters: CNN features are
/// non-negative, so raw signs would be nearly all ones). A query scans every code by Hamming distance
/// (popcount), keeps the closest candidates, then re-ranks them by exact L2 on their float vectors read
/// back from sqlite-vec. Memory: dimension/8 bytes + 8 bytes per image (264 bytes at 2048-d).
/// The index follows the database: before a search it asks SQLite whether anything committed since
/// (<c>pragma data_version</c>, which sees other processes too) and applies only the rows whose version is
/// newer. The mean is fixed when the index is built and re-estimated when the collection has doubled since.
/// </summary>
public sealed class QuantizedIndex : IDisposable
{
    private const int MeanSampleSize = 20_000;

    private readonly VectorStore store;
    private readonly SqliteConnection connection;
    private readonly Lock sync = new();
    private readonly int dimension;
    private readonly int words;
    private volatile Snapshot current;
    private Dictionary<long, int> positions = [];
    private long dataVersion;

    private QuantizedIndex(VectorStore store, SqliteConnection connection)
    {
        this.store = store;
        this.connection = connection;
        dimension = store.Collection.Dimension;
        words = (dimension + 63) / 64;
        current = Snapshot.Empty(dimension, words);
    }

    /// <summary>Images in the index as of the last refresh.</summary>
    public int Count => current.Count;

    /// <summary>Reads every vector of <paramref name="store"/> once and builds the index.</summary>
    public static QuantizedIndex Build(VectorStore store)
    {
        var connection = store.OpenDedicatedConnection();
        try
        {
            var index = new QuantizedIndex(store, connection);
            lock (index.sync)
            {
                index.dataVersion = index.ReadDataVersion();
                index.current = index.ReadAll();
            }

            return index;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Applies what was committed since the last refresh (a no-op costing one pragma when nothing was).</summary>
    public void Refresh()
    {
        lock (sync)
        {
            var version = ReadDataVersion();
            if (version == dataVersion)
            {
                return;
            }

            dataVersion = version;
            var next = ApplyChanges(current);
            current = next.Count > Math.Max(1_000, 2 * next.BuiltAtCount) ? ReadAll() : next;
        }
    }

    /// <summary>
    /// The <paramref name="k"/> nearest images: the <paramref name="candidates"/> closest codes by Hamming
    /// distance, re-ranked by exact L2. Call <see cref="Refresh"/> first to see recent writes.
    /// </summary>
    public IReadOnlyList<SearchHit> Search(float[] query, int k, int candidates)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (query.Length != dimension)
        {
            throw new ArgumentException($"Query has {query.Length} dimensions; the index's are {dimension}.", nameof(query));
        }

        var snapshot = current;
        if (snapshot.Count == 0)
        {
            return [];
        }

        var take = Math.Min(snapshot.Count, Math.Max(candidates, k));
        var ids = ArrayPool<long>.Shared.Rent(take);
        var vectors = ArrayPool<float>.Shared.Rent(take * dimension);
        try
        {
            var chosen = SelectCandidates(snapshot, query, ids.AsSpan(0, take));
            var found = store.ReadVectors(ids.AsSpan(0, chosen), vectors);
            var ranked = new List<(long Id, float Distance)>(chosen);
            for (var i = 0; i < chosen; i++)
            {
                if (found[i])
                {
                    ranked.Add((ids[i], TensorPrimitives.Distance(query, vectors.AsSpan(i * dimension, dimension))));
                }
            }

            ranked.Sort((a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.Id.CompareTo(b.Id));
            var top = ranked.Take(k).ToList();
            var sources = store.ReadSources(top.Select(t => t.Id).ToList());
            var hits = top.Where(t => sources.ContainsKey(t.Id)).Select(t => new SearchHit(t.Id, t.Distance, sources[t.Id])).ToList();
            VectorStore.SortHits(hits);
            return hits;
        }
        finally
        {
            ArrayPool<long>.Shared.Return(ids);
            ArrayPool<float>.Shared.Return(vectors);
        }
    }

    public void Dispose() => connection.Dispose();

    /// <summary>Writes the ids of the closest codes into <paramref name="destination"/>; returns how many.</summary>
    private int SelectCandidates(Snapshot snapshot, float[] query, Span<long> destination)
    {
        Span<ulong> code = stackalloc ulong[words];
        Encode(query, snapshot.Mean, code);
        var count = snapshot.Count;
        var distances = ArrayPool<int>.Shared.Rent(count);
        try
        {
            // Hamming distances are integers 0..dimension: a histogram finds the cut-off in one pass.
            Span<int> histogram = stackalloc int[dimension + 1];
            histogram.Clear();
            HammingScan.Scan(code, snapshot.Codes.AsSpan(0, count * words), distances.AsSpan(0, count), histogram);

            var wanted = destination.Length;
            var cut = 0;
            var below = 0;
            while (below + histogram[cut] < wanted)
            {
                below += histogram[cut];
                cut++;
            }

            var taken = 0;
            var tiesLeft = wanted - below;
            for (var i = 0; i < count && taken < wanted; i++)
            {
                var distance = distances[i];
                if (distance < cut || (distance == cut && tiesLeft-- > 0))
                {
                    destination[taken++] = snapshot.Ids[i];
                }
            }

            return taken;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(distances);
        }
    }

    private void Encode(ReadOnlySpan<float> vector, ReadOnlySpan<float> mean, Span<ulong> code)
    {
        code.Clear();
        for (var d = 0; d < dimension; d++)
        {
            if (vector[d] > mean[d])
            {
                code[d >> 6] |= 1UL << (d & 63);
            }
        }
    }

    private long ReadDataVersion()
    {
        using var command = connection.CreateCommand();
        command.CommandText = "pragma data_version";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>A consistent full read: the mean from a sample, then every vector encoded.</summary>
    private Snapshot ReadAll()
    {
        using var transaction = connection.BeginTransaction(deferred: true);
        var version = ReadCollectionVersion(transaction);
        var mean = new float[dimension];
        var sampled = 0;
        foreach (var (_, vector) in ReadVectors(transaction, "select image_id, embedding from vec_images limit $limit", ("$limit", MeanSampleSize)))
        {
            TensorPrimitives.Add(mean, vector, mean);
            sampled++;
        }

        if (sampled > 0)
        {
            TensorPrimitives.Divide(mean, sampled, mean);
        }

        positions = [];
        var snapshot = Snapshot.Empty(dimension, words) with { Mean = mean, Version = version };
        foreach (var (id, vector) in ReadVectors(transaction, "select image_id, embedding from vec_images"))
        {
            snapshot = Upsert(snapshot, id, vector, copy: false);
        }

        transaction.Commit();
        return snapshot with { BuiltAtCount = snapshot.Count };
    }

    /// <summary>Rows written and deleted since <paramref name="snapshot"/>'s version, applied copy-on-write.</summary>
    private Snapshot ApplyChanges(Snapshot snapshot)
    {
        using var transaction = connection.BeginTransaction(deferred: true);
        var version = ReadCollectionVersion(transaction);
        if (version == snapshot.Version)
        {
            transaction.Commit();
            return snapshot;
        }

        var next = snapshot;
        var copied = false;
        foreach (var id in ReadIds(transaction, "select image_id from deletions where version > $version", snapshot.Version))
        {
            next = Remove(next, id, copy: !copied);
            copied = true;
        }

        foreach (var (id, vector) in ReadVectors(
            transaction,
            "select vec_images.image_id, vec_images.embedding from images join vec_images on vec_images.image_id = images.id where images.version > $version",
            ("$version", snapshot.Version)))
        {
            // Appends go beyond the published count, where no reader looks; overwrites need a copy.
            var overwrites = positions.ContainsKey(id);
            next = Upsert(next, id, vector, copy: overwrites && !copied);
            copied |= overwrites;
        }

        transaction.Commit();
        return next with { Version = version };
    }

    private Snapshot Upsert(Snapshot snapshot, long id, ReadOnlySpan<float> vector, bool copy)
    {
        var next = copy ? snapshot.Copy() : snapshot;
        if (!positions.TryGetValue(id, out var position))
        {
            position = next.Count;
            next = next.WithRoomFor(position + 1) with { Count = position + 1 };
            next.Ids[position] = id;
            positions[id] = position;
        }

        Encode(vector, next.Mean, next.Codes.AsSpan(position * words, words));
        return next;
    }

    private Snapshot Remove(Snapshot snapshot, long id, bool copy)
    {
        if (!positions.Remove(id, out var position))
        {
            return snapshot;
        }

        var next = copy ? snapshot.Copy() : snapshot;
        var last = next.Count - 1;
        if (position != last)
        {
            var moved = next.Ids[last];
            next.Ids[position] = moved;
            next.Codes.AsSpan(last * words, words).CopyTo(next.Codes.AsSpan(position * words, words));
            positions[moved] = position;
        }

        return next with { Count = last };
    }

    private long ReadCollectionVersion(SqliteTransaction transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "select cast(value as integer) from meta where key = 'version'";
        return (long)command.ExecuteScalar()!;
    }

    private IEnumerable<long> ReadIds(SqliteTransaction transaction, string sql, long version)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.Parameters.AddWithValue("$version", version);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return reader.GetInt64(0);
        }
    }

    private IEnumerable<(long Id, float[] Vector)> ReadVectors(SqliteTransaction transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        using var reader = command.ExecuteReader();
        var vector = new float[dimension];
        while (reader.Read())
        {
            MemoryMarshal.Cast<byte, float>((byte[])reader.GetValue(1)).CopyTo(vector);
            yield return (reader.GetInt64(0), vector);
        }
    }

    /// <summary>A published view: readers use the first <see cref="Count"/> rows of the arrays, which are never changed in place.</summary>
    private sealed record Snapshot(long[] Ids, ulong[] Codes, int Count, float[] Mean, long Version, int BuiltAtCount, int Words)
    {
        public static Snapshot Empty(int dimension, int words) => new([], [], 0, new float[dimension], 0, 0, words);

        public Snapshot Copy() => this with { Ids = (long[])Ids.Clone(), Codes = (ulong[])Codes.Clone() };

        public Snapshot WithRoomFor(int count)
        {
            if (Ids.Length >= count)
            {
                return this;
            }

            var capacity = Math.Max(1024, Math.Max(count, Ids.Length * 2));
            var ids = new long[capacity];
            var codes = new ulong[(long)capacity * Words];
            Ids.AsSpan(0, Count).CopyTo(ids);
            Codes.AsSpan(0, Count * Words).CopyTo(codes);
            return this with { Ids = ids, Codes = codes };
        }
    }
}
