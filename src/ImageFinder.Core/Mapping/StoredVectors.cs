using System.Runtime.InteropServices;
using ImageFinder.Storage;
using Microsoft.Data.Sqlite;

namespace ImageFinder.Mapping;

/// <summary>
/// The stored vectors of a <see cref="VectorStore"/> as one consistent snapshot (a read transaction held on a
/// connection of its own, so every pass sees the same rows while the collection keeps changing), streamed from
/// sqlite-vec on each pass. Above <c>maxPoints</c> images, a seeded random sample of <c>maxPoints</c> is kept.
/// Rows are numbered in id order.
/// </summary>
public sealed class StoredVectors : IMapSample
{
    private readonly SqliteConnection connection;
    private readonly SqliteTransaction transaction;
    private readonly Dictionary<long, int> rows;

    private StoredVectors(SqliteConnection connection, SqliteTransaction transaction, int dimension, long version, int total, long[] ids, string[] sources)
    {
        this.connection = connection;
        this.transaction = transaction;
        Dimension = dimension;
        Version = version;
        Total = total;
        Ids = ids;
        Sources = sources;
        rows = new Dictionary<long, int>(ids.Length);
        for (var row = 0; row < ids.Length; row++)
        {
            rows[ids[row]] = row;
        }
    }

    public int Count => Ids.Count;

    public int Dimension { get; }

    /// <summary>The collection version this snapshot shows (it changes with every committed write).</summary>
    public long Version { get; }

    /// <summary>Images in the collection (at least <see cref="Count"/>).</summary>
    public int Total { get; }

    public IReadOnlyList<long> Ids { get; }

    public IReadOnlyList<string> Sources { get; }

    /// <summary>Opens a snapshot of <paramref name="store"/>; the same collection and seed always give the same sample.</summary>
    public static StoredVectors Open(VectorStore store, int maxPoints, int seed)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPoints, 1);
        var connection = store.OpenDedicatedConnection();
        SqliteTransaction? transaction = null;
        try
        {
            transaction = connection.BeginTransaction(deferred: true);
            var version = ReadVersion(connection, transaction);
            var ids = new List<long>();
            var sources = new List<string>();
            using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = "select id, source from images order by id";
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    ids.Add(reader.GetInt64(0));
                    sources.Add(reader.GetString(1));
                }
            }

            var total = ids.Count;
            var keep = Sample(total, maxPoints, seed);

            return new StoredVectors(
                connection, transaction, store.Collection.Dimension, version, total, keep.Select(i => ids[i]).ToArray(), keep.Select(i => sources[i]).ToArray());
        }
        catch
        {
            transaction?.Dispose();
            connection.Dispose();
            throw;
        }
    }

    /// <summary>The rows (0..total-1, ascending) a sample of at most <paramref name="maxPoints"/> keeps: all of them, or a seeded random choice.</summary>
    public static int[] Sample(int total, int maxPoints, int seed)
    {
        var keep = Enumerable.Range(0, total).ToArray();
        if (total <= maxPoints)
        {
            return keep;
        }

        // Partial Fisher-Yates with a fixed seed, then back to id order.
        var random = new Random(seed);
        for (var i = 0; i < maxPoints; i++)
        {
            var j = random.Next(i, total);
            (keep[i], keep[j]) = (keep[j], keep[i]);
        }

        keep = keep[..maxPoints];
        Array.Sort(keep);
        return keep;
    }

    /// <summary>The collection version now (one small query on a fresh connection).</summary>
    public static long ReadVersion(VectorStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        using var connection = store.OpenDedicatedConnection();
        return ReadVersion(connection, null);
    }

    public void ForEach(VectorVisitor visitor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(visitor);
        var buffer = new byte[Dimension * sizeof(float)];
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "select image_id, embedding from vec_images";
        using var reader = command.ExecuteReader();
        var visited = 0;
        while (reader.Read())
        {
            if ((++visited & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (!rows.TryGetValue(reader.GetInt64(0), out var row) || reader.GetBytes(1, 0, null, 0, 0) != buffer.Length)
            {
                continue;
            }

            reader.GetBytes(1, 0, buffer, 0, buffer.Length);
            visitor(row, MemoryMarshal.Cast<byte, float>(buffer));
        }
    }

    public void Dispose()
    {
        transaction.Dispose();
        connection.Dispose();
    }

    private static long ReadVersion(SqliteConnection connection, SqliteTransaction? transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "select cast(value as integer) from meta where key = 'version'";
        return (long)command.ExecuteScalar()!;
    }
}
