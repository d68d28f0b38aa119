using Microsoft.Data.Sqlite;

namespace ImageFinder.Storage;

/// <summary>One row of the images table. <see cref="Id"/> is the "index" the API returns.</summary>
public sealed record StoredImage(
    long Id,
    string Source,
    string Sha256,
    long SizeBytes,
    DateTimeOffset Modified,
    int Width,
    int Height,
    DateTimeOffset Added)
{
    /// <summary>The columns <see cref="Read"/> expects, in its order.</summary>
    internal const string Columns = "id, source, sha256, size_bytes, modified_ms, width, height, added_ms";

    /// <summary><see cref="Columns"/> qualified with the images table, for joins.</summary>
    internal const string QualifiedColumns = "images.id, images.source, images.sha256, images.size_bytes, images.modified_ms, images.width, images.height, images.added_ms";

    /// <summary>The row the reader is on, selected with <see cref="Columns"/>.</summary>
    internal static StoredImage Read(SqliteDataReader reader) => new(
        reader.GetInt64(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.GetInt64(3),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
        reader.GetInt32(5),
        reader.GetInt32(6),
        DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)));
}
