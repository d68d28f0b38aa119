using System.Runtime.InteropServices;

namespace ImageFinder.Storage;

/// <summary>Reads every stored vector of a collection (or of one folder of it) into memory, in id order.</summary>
public static class CollectionVectors
{
    /// <summary>
    /// The images of <paramref name="store"/> with their vectors; with <paramref name="folder"/>, only those whose source
    /// lies under it. Memory: dimension × 4 bytes per image (8 KiB at 2048-d).
    /// </summary>
    public static List<StoredVector> Read(VectorStore store, string? folder = null, CancellationToken cancellationToken = default)
    {
        var root = folder is null ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)) + Path.DirectorySeparatorChar;
        var dimension = store.Collection.Dimension;
        var vectors = new List<StoredVector>();
        using var connection = store.OpenDedicatedConnection();
        using var transaction = connection.BeginTransaction(deferred: true);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            select images.id, images.source, images.width, images.height, vec_images.embedding
            from images join vec_images on vec_images.image_id = images.id
            order by images.id
            """;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var source = reader.GetString(1);
            if (root is not null && !source.StartsWith(root, StringComparison.Ordinal))
            {
                continue;
            }

            var vector = new float[dimension];
            MemoryMarshal.Cast<byte, float>((byte[])reader.GetValue(4)).CopyTo(vector);
            vectors.Add(new StoredVector(reader.GetInt64(0), source, reader.GetInt32(2), reader.GetInt32(3), vector));
        }

        transaction.Commit();
        return vectors;
    }
}
