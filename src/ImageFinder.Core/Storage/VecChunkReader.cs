using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace ImageFinder.Storage;

/// <summary>
/// Point reads of stored vectors straight from the tables sqlite-vec keeps behind <c>vec_images</c>: the row's chunk
/// and slot from <c>vec_images_rowids</c>, then its bytes from the chunk's blob in <c>vec_images_vector_chunks00</c>
/// through SQLite's incremental blob I/O (<see cref="SqliteBlob"/>).
/// </summary>
/// <remarks>
/// Written by hand because sqlite-vec's own point query (<c>select embedding from vec_images where image_id = ?</c>)
/// costs 15–40 µs a row here, most of it in the virtual table's per-query set-up; this path costs about 5 µs a row
/// with the file memory-mapped, and re-ranking reads up to 64 rows per search. The layout is sqlite-vec's (0.1.x:
/// chunk blobs of <c>chunk_size × dimension</c> floats, a row at <c>chunk_offset</c>): <see cref="Verify"/> checks the
/// tables and compares one row read both ways, and a store whose check fails keeps using sqlite-vec's point query.
/// Both reads of a row run in one read transaction, so its location and its bytes come from the same snapshot.
/// </remarks>
internal sealed class VecChunkReader : IDisposable
{
    private const string VectorChunks = "vec_images_vector_chunks00";
    private readonly SqliteConnection connection;
    private readonly SqliteTransaction transaction;
    private readonly SqliteCommand locateMany;
    private readonly int rowBytes;

    public VecChunkReader(SqliteConnection connection, int dimension)
    {
        this.connection = connection;
        rowBytes = dimension * sizeof(float);
        transaction = connection.BeginTransaction(deferred: true);
        // Every location of a batch in one statement: the ids as a JSON array, json_each's key is the position.
        locateMany = connection.CreateCommand();
        locateMany.Transaction = transaction;
        locateMany.CommandText = """
            select ids.key, rowids.chunk_id, rowids.chunk_offset
            from json_each($ids) as ids join vec_images_rowids as rowids on rowids.rowid = ids.value
            """;
        locateMany.Parameters.Add("$ids", SqliteType.Text);
    }

    /// <summary>
    /// Whether <paramref name="connection"/>'s database has sqlite-vec's tables as this reader expects them, and a stored
    /// row (the lowest id, when there is one) reads the same here as through sqlite-vec's own point query.
    /// </summary>
    public static bool Verify(SqliteConnection connection, int dimension)
    {
        try
        {
            return Compare(connection, dimension);
        }
        catch (SqliteException)
        {
            // A layout this reader does not know (another sqlite-vec version): sqlite-vec's own point query serves.
            return false;
        }
    }

    /// <summary>
    /// Reads the vectors of <paramref name="ids"/> one at a time in their order, their locations found in one statement
    /// first; before each read <paramref name="next"/> says whether to go on. Ids that are gone are skipped.
    /// </summary>
    public void ReadInOrder(ReadOnlySpan<long> ids, VectorStore.ReadNext next, VectorStore.VectorRead read)
    {
        var locations = LocateMany(ids);
        var vector = new float[rowBytes / sizeof(float)];
        for (var row = 0; row < ids.Length && next(row); row++)
        {
            if (locations[row] is var (chunk, offset) && ReadAt(chunk, offset, MemoryMarshal.AsBytes(vector.AsSpan())))
            {
                read(row, vector);
            }
        }
    }

    /// <summary>Each id's chunk and byte offset (null when it is not stored), from one statement.</summary>
    private (long Chunk, long Offset)?[] LocateMany(ReadOnlySpan<long> ids)
    {
        var locations = new (long, long)?[ids.Length];
        locateMany.Parameters[0].Value = "[" + string.Join(',', ids.ToArray()) + "]";
        using var reader = locateMany.ExecuteReader();
        while (reader.Read())
        {
            if (!reader.IsDBNull(1))
            {
                locations[(int)reader.GetInt64(0)] = (reader.GetInt64(1), reader.GetInt64(2) * rowBytes);
            }
        }

        return locations;
    }

    public void Dispose()
    {
        locateMany.Dispose();
        transaction.Dispose();
    }

    private static bool Compare(SqliteConnection connection, int dimension)
    {
        if (!HasColumns(connection, "vec_images_rowids", "chunk_id", "chunk_offset") || !HasColumns(connection, VectorChunks, "vectors"))
        {
            return false;
        }

        long id;
        byte[] expected;
        using (var first = connection.CreateCommand())
        {
            first.CommandText = "select image_id, embedding from vec_images where image_id = (select min(rowid) from vec_images_rowids)";
            using var row = first.ExecuteReader();
            if (!row.Read())
            {
                return true;
            }

            id = row.GetInt64(0);
            expected = (byte[])row.GetValue(1);
        }

        var same = false;
        using var reader = new VecChunkReader(connection, dimension);
        reader.ReadInOrder([id], _ => true, (_, vector) => same = expected.AsSpan().SequenceEqual(MemoryMarshal.AsBytes(vector)));
        return same;
    }

    private bool ReadAt(long chunk, long offset, Span<byte> destination)
    {
        using var blob = new SqliteBlob(connection, VectorChunks, "vectors", chunk, readOnly: true);
        if (offset + rowBytes > blob.Length)
        {
            return false;
        }

        blob.Position = offset;
        blob.ReadExactly(destination[..rowBytes]);
        return true;
    }

    private static bool HasColumns(SqliteConnection connection, string table, params string[] columns)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "select name from pragma_table_info($table)";
        command.Parameters.AddWithValue("$table", table);
        using var reader = command.ExecuteReader();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }

        return columns.All(names.Contains);
    }
}
