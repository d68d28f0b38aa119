using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using ImageFinder.Distances;
using ImageFinder.Storage;
using Microsoft.Data.Sqlite;

namespace ImageFinder.Index;

/// <summary>
/// An in-memory quantized index over a <see cref="VectorStore"/>, searched in three stages:
/// <list type="number">
/// <item>every image's binary code (one bit per dimension, set where the value is above the collection
/// mean; centring matters because CNN features are non-negative) is compared to the query's by Hamming
/// distance (popcount), keeping the closest <c>coarse</c> candidates;</item>
/// <item>those are ranked by L2 (L1 in an L1 collection) on an 8-bit copy of each vector (per-dimension scale),
/// keeping the best <c>rerank</c>;</item>
/// <item>those are re-ranked by the collection's exact metric on their float vectors read back from sqlite-vec, so
/// every distance returned is exact.</item>
/// </list>
/// In a cosine collection the codes and 8-bit copies are made from unit-length vectors (and the query is scaled
/// to unit length too), where ranking by L2 is ranking by cosine distance.
/// Memory: dimension/8 + dimension + 8 bytes per image (2312 bytes at 2048-d). The index follows the
/// database: before a search it asks SQLite whether anything committed since (<c>pragma data_version</c>,
/// which sees other processes too) and applies only the rows whose version is newer. The mean and scales
/// are fixed when the index is built and re-estimated when the collection has doubled since.
/// </summary>
public sealed class QuantizedIndex : IDisposable
{
    private const int MeanSampleSize = 20_000;

    private readonly VectorStore store;
    private readonly SqliteConnection connection;
    private readonly Lock sync = new();
    private readonly int dimension;
    private readonly string metric;
    private readonly int words;
    private volatile Snapshot current;
    private Dictionary<long, int> positions = [];
    private readonly float[] scratch;
    private long dataVersion;

    private QuantizedIndex(VectorStore store, SqliteConnection connection)
    {
        this.store = store;
        this.connection = connection;
        dimension = store.Collection.Dimension;
        metric = store.Collection.Metric;
        words = (dimension + 63) / 64;
        scratch = new float[dimension];
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
    /// The <paramref name="k"/> nearest images: the <paramref name="coarse"/> closest binary codes, the best
    /// <paramref name="rerank"/> of those by 8-bit L2, then those by exact L2. Call <see cref="Refresh"/> first
    /// to see recent writes.
    /// </summary>
    public IReadOnlyList<SearchHit> Search(float[] query, int k, int rerank, int coarse)
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

        var exactCount = Math.Min(snapshot.Count, Math.Max(rerank, k));
        var coarseCount = Math.Min(snapshot.Count, Math.Max(coarse, exactCount));
        var positions = ArrayPool<int>.Shared.Rent(coarseCount);
        var ids = ArrayPool<long>.Shared.Rent(exactCount);
        var vectors = ArrayPool<float>.Shared.Rent(exactCount * dimension);
        try
        {
            var probe = query;
            if (metric == CollectionInfo.Cosine)
            {
                probe = (float[])query.Clone();
                VectorDistance.Normalize(probe);
            }

            var chosen = SelectByHamming(snapshot, probe, positions.AsSpan(0, coarseCount));
            var kept = SelectByScalars(snapshot, probe, positions.AsSpan(0, chosen), ids.AsSpan(0, exactCount));
            var found = store.ReadVectors(ids.AsSpan(0, kept), vectors);
            var ranked = new List<(long Id, float Distance)>(kept);
            for (var i = 0; i < kept; i++)
            {
                if (found[i])
                {
                    ranked.Add((ids[i], VectorDistance.Compute(metric, query, vectors.AsSpan(i * dimension, dimension))));
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
            ArrayPool<int>.Shared.Return(positions);
            ArrayPool<long>.Shared.Return(ids);
            ArrayPool<float>.Shared.Return(vectors);
        }
    }

    public void Dispose() => connection.Dispose();

    /// <summary>Writes the positions of the closest binary codes into <paramref name="destination"/>; returns how many.</summary>
    private int SelectByHamming(Snapshot snapshot, float[] query, Span<int> destination)
    {
        Span<ulong> code = stackalloc ulong[words];
        EncodeBits(query, snapshot.Mean, code);
        var count = snapshot.Count;
        var distances = ArrayPool<int>.Shared.Rent(count);
        try
        {
            // Hamming distances are integers 0..dimension (the padding bits of the last word are zero in every code):
            // a histogram finds the cut-off in one pass.
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
                    destination[taken++] = i;
                }
            }

            return taken;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(distances);
        }
    }

    /// <summary>Ranks <paramref name="positions"/> by L2 (L1 in an L1 collection) on the 8-bit vectors and writes the best ids into <paramref name="destination"/>.</summary>
    private int SelectByScalars(Snapshot snapshot, float[] query, ReadOnlySpan<int> positions, Span<long> destination)
    {
        var approximate = new float[dimension];
        var scored = new (float Distance, int Position)[positions.Length];
        for (var i = 0; i < positions.Length; i++)
        {
            var position = positions[i];
            TensorPrimitives.ConvertTruncating<sbyte, float>(snapshot.ScalarRow(position), approximate);
            TensorPrimitives.MultiplyAdd(approximate, snapshot.Scale, snapshot.Mean, approximate);
            scored[i] = (metric == CollectionInfo.L1 ? VectorDistance.ManhattanDistance(query, approximate) : TensorPrimitives.Distance(query, approximate), position);
        }

        Array.Sort(scored, (a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.Position.CompareTo(b.Position));
        var kept = 0;
        var seen = new HashSet<long>();
        for (var i = 0; i < scored.Length && kept < destination.Length; i++)
        {
            // A refresh moving a row while this query runs can show it at two positions: keep it once.
            var id = snapshot.Ids[scored[i].Position];
            if (seen.Add(id))
            {
                destination[kept++] = id;
            }
        }

        return kept;
    }

    private void EncodeBits(ReadOnlySpan<float> vector, ReadOnlySpan<float> mean, Span<ulong> code)
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

    /// <summary>value ≈ mean + scale · q with q in −127..127 (clipped beyond ±4 standard deviations). Called under the sync lock.</summary>
    private void EncodeScalars(ReadOnlySpan<float> vector, ReadOnlySpan<float> mean, ReadOnlySpan<float> scale, Span<sbyte> scalars)
    {
        var q = scratch.AsSpan();
        TensorPrimitives.Subtract(vector, mean, q);
        TensorPrimitives.Divide(q, scale, q);
        TensorPrimitives.Round(q, q);
        TensorPrimitives.Min(q, 127f, q);
        TensorPrimitives.Max(q, -127f, q);
        TensorPrimitives.ConvertTruncating<float, sbyte>(q, scalars);
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
        var sample = new List<float[]>();
        foreach (var (_, vector) in ReadVectors(transaction, "select image_id, embedding from vec_images limit $limit", ("$limit", MeanSampleSize)))
        {
            sample.Add((float[])vector.Clone());
        }

        var (mean, scale) = Statistics(sample);
        positions = [];
        var snapshot = Snapshot.Empty(dimension, words) with { Mean = mean, Scale = scale, Version = version };
        foreach (var (id, vector) in ReadVectors(transaction, "select image_id, embedding from vec_images"))
        {
            snapshot = Upsert(snapshot, id, vector);
        }

        transaction.Commit();
        return snapshot with { BuiltAtCount = snapshot.Count };
    }

    /// <summary>Rows written and deleted since <paramref name="snapshot"/>'s version.</summary>
    private Snapshot ApplyChanges(Snapshot snapshot)
    {
        using var transaction = connection.BeginTransaction(deferred: true);
        var version = ReadCollectionVersion(transaction);
        if (version == snapshot.Version)
        {
            transaction.Commit();
            return snapshot;
        }

        // Rows are changed in place. A query racing with this may consider a row's old or new code for a
        // moment; every distance it returns is still exact, read from SQLite, so only the candidates can differ.
        var next = snapshot;
        foreach (var id in ReadIds(transaction, "select image_id from deletions where version > $version", snapshot.Version))
        {
            next = Remove(next, id);
        }

        foreach (var (id, vector) in ReadVectors(
            transaction,
            "select vec_images.image_id, vec_images.embedding from images join vec_images on vec_images.image_id = images.id where images.version > $version",
            ("$version", snapshot.Version)))
        {
            next = Upsert(next, id, vector);
        }

        transaction.Commit();
        return next with { Version = version };
    }

    private Snapshot Upsert(Snapshot snapshot, long id, ReadOnlySpan<float> vector)
    {
        var next = snapshot;
        if (!positions.TryGetValue(id, out var position))
        {
            position = next.Count;
            next = next.WithRoomFor(position + 1) with { Count = position + 1 };
            next.Ids[position] = id;
            positions[id] = position;
        }

        EncodeBits(vector, next.Mean, next.Codes.AsSpan(position * words, words));
        EncodeScalars(vector, next.Mean, next.Scale, next.ScalarRow(position));
        return next;
    }

    private Snapshot Remove(Snapshot snapshot, long id)
    {
        if (!positions.Remove(id, out var position))
        {
            return snapshot;
        }

        var next = snapshot;
        var last = next.Count - 1;
        if (position != last)
        {
            var moved = next.Ids[last];
            next.Ids[position] = moved;
            next.Codes.AsSpan(last * words, words).CopyTo(next.Codes.AsSpan(position * words, words));
            next.ScalarRow(last).CopyTo(next.ScalarRow(position));
            positions[moved] = position;
        }

        return next with { Count = last };
    }

    /// <summary>Per-dimension mean, and a scale that maps mean ± 4 standard deviations onto −127..127.</summary>
    private (float[] Mean, float[] Scale) Statistics(List<float[]> sample)
    {
        var mean = new float[dimension];
        var variance = new float[dimension];
        var difference = new float[dimension];
        foreach (var vector in sample)
        {
            TensorPrimitives.Add(mean, vector, mean);
        }

        if (sample.Count > 0)
        {
            TensorPrimitives.Divide(mean, sample.Count, mean);
        }

        foreach (var vector in sample)
        {
            TensorPrimitives.Subtract(vector, mean, difference);
            TensorPrimitives.MultiplyAdd(difference, difference, variance, variance);
        }

        var scale = new float[dimension];
        for (var d = 0; d < dimension; d++)
        {
            var deviation = sample.Count > 1 ? MathF.Sqrt(variance[d] / (sample.Count - 1)) : 1f;
            scale[d] = MathF.Max(deviation * 4f / 127f, 1e-6f);
        }

        return (mean, scale);
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
            if (metric == CollectionInfo.Cosine)
            {
                // Codes and 8-bit copies of a cosine collection describe directions only.
                VectorDistance.Normalize(vector);
            }

            yield return (reader.GetInt64(0), vector);
        }
    }

    /// <summary>
    /// A published view: readers use its first <see cref="Count"/> rows. Growing makes new arrays; the 8-bit rows
    /// live in blocks of <see cref="BlockRows"/> so that no single array passes .NET's 2 GB limit.
    /// </summary>
    private sealed record Snapshot(long[] Ids, ulong[] Codes, sbyte[][] ScalarBlocks, int Count, float[] Mean, float[] Scale, long Version, int BuiltAtCount, int Words, int Dimension)
    {
        public const int BlockRows = 1 << 16;

        public static Snapshot Empty(int dimension, int words) => new([], [], [], 0, new float[dimension], Enumerable.Repeat(1f, dimension).ToArray(), 0, 0, words, dimension);

        public Span<sbyte> ScalarRow(int position) => ScalarBlocks[position / BlockRows].AsSpan(position % BlockRows * Dimension, Dimension);

        public Snapshot WithRoomFor(int count)
        {
            var next = this;
            if (Ids.Length < count)
            {
                var capacity = Math.Max(1024, Math.Max(count, Ids.Length * 2));
                var ids = new long[capacity];
                var codes = new ulong[(long)capacity * Words];
                Ids.AsSpan(0, Count).CopyTo(ids);
                Codes.AsSpan(0, Count * Words).CopyTo(codes);
                next = next with { Ids = ids, Codes = codes };
            }

            var blocksNeeded = (count + BlockRows - 1) / BlockRows;
            if (next.ScalarBlocks.Length < blocksNeeded)
            {
                var blocks = new sbyte[blocksNeeded][];
                next.ScalarBlocks.CopyTo(blocks, 0);
                for (var b = next.ScalarBlocks.Length; b < blocksNeeded; b++)
                {
                    blocks[b] = new sbyte[BlockRows * Dimension];
                }

                next = next with { ScalarBlocks = blocks };
            }

            return next;
        }
    }
}
