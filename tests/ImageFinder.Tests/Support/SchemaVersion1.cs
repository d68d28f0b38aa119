using System.Runtime.InteropServices;
using ImageFinder.Native;
using Microsoft.Data.Sqlite;

namespace ImageFinder.Tests.Support;

/// <summary>
/// Writes a database exactly as schema version 1 made them (before ids were AUTOINCREMENT), with the given rows,
/// vectors and deletion tombstones, so the migration to the current version can be tested on a real old file.
/// </summary>
public static class SchemaVersion1
{
    public static void Create(string path, int dimension, IReadOnlyList<(long Id, string Source, float[] Vector)> images, IReadOnlyList<long> deleted, string model = "m")
    {
        SQLitePCL.Batteries_V2.Init();
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        connection.Open();
        connection.EnableExtensions(true);
        connection.LoadExtension(NativeLibraries.SqliteVecPath);
        Execute(connection, "pragma page_size = 16384; pragma journal_mode = wal;");
        Execute(connection, $"""
            create table meta (key text primary key, value text not null);
            create table images (
                id integer primary key,
                source text not null unique,
                sha256 text not null,
                size_bytes integer not null,
                modified_ms integer not null,
                width integer not null,
                height integer not null,
                added_ms integer not null,
                version integer not null
            );
            create index images_sha256 on images (sha256);
            create index images_version on images (version);
            create table deletions (image_id integer not null, version integer not null);
            create index deletions_version on deletions (version);
            create virtual table vec_images using vec0 (
                image_id integer primary key,
                embedding float[{dimension}] distance_metric=l2,
                chunk_size=8
            );
            insert into meta (key, value) values ('model', '{model}'), ('dimension', '{dimension}'), ('metric', 'l2'), ('version', '{images.Count + deleted.Count}');
            pragma user_version = 1;
            """);

        var version = 0;
        foreach (var (id, source, vector) in images)
        {
            version++;
            using var insert = connection.CreateCommand();
            insert.CommandText = """
                insert into images (id, source, sha256, size_bytes, modified_ms, width, height, added_ms, version)
                values ($id, $source, $sha256, $size, $modified, 32, 24, $added, $version);
                insert into vec_images (image_id, embedding) values ($id, $embedding);
                """;
            insert.Parameters.AddWithValue("$id", id);
            insert.Parameters.AddWithValue("$source", source);
            insert.Parameters.AddWithValue("$sha256", "sha-" + source);
            insert.Parameters.AddWithValue("$size", 100 + id);
            insert.Parameters.AddWithValue("$modified", 1_000 * id);
            insert.Parameters.AddWithValue("$added", 2_000 * id);
            insert.Parameters.AddWithValue("$version", version);
            insert.Parameters.AddWithValue("$embedding", MemoryMarshal.AsBytes(vector.AsSpan()).ToArray());
            insert.ExecuteNonQuery();
        }

        foreach (var id in deleted)
        {
            version++;
            using var tombstone = connection.CreateCommand();
            tombstone.CommandText = "insert into deletions (image_id, version) values ($id, $version)";
            tombstone.Parameters.AddWithValue("$id", id);
            tombstone.Parameters.AddWithValue("$version", version);
            tombstone.ExecuteNonQuery();
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
