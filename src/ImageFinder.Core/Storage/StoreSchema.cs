using System.Globalization;
using Microsoft.Data.Sqlite;

namespace ImageFinder.Storage;

/// <summary>Creates the schema of a new database and checks that an existing one is ours and fits the model.</summary>
internal static class StoreSchema
{
    public const int Version = 1;

    /// <summary>
    /// Vectors per sqlite-vec chunk. vec0 keeps each chunk as one blob, and SQLite reaches a position inside a
    /// blob by walking its overflow pages; small chunks keep point reads (re-ranking) and inserts cheap at the
    /// cost of a few percent on full scans.
    /// </summary>
    public const int VecChunkSize = 8;

    /// <summary>
    /// Creates the schema with <paramref name="expected"/>'s metric, or checks an existing database against the model and
    /// dimension. Returns the collection as stored: an existing database keeps the metric it was created with.
    /// </summary>
    public static CollectionInfo Ensure(SqliteConnection connection, CollectionInfo expected)
    {
        using var transaction = connection.BeginTransaction();
        var userVersion = Convert.ToInt32(Scalar(connection, transaction, "pragma user_version"), CultureInfo.InvariantCulture);
        var hasTables = Convert.ToInt64(Scalar(connection, transaction, "select count(*) from sqlite_master where name in ('images', 'vec_images', 'meta')"), CultureInfo.InvariantCulture) > 0;

        var actual = expected;
        if (userVersion == 0 && !hasTables)
        {
            Create(connection, transaction, expected);
        }
        else
        {
            actual = Check(connection, transaction, userVersion, expected);
        }

        transaction.Commit();
        return actual;
    }

    private static void Create(SqliteConnection connection, SqliteTransaction transaction, CollectionInfo expected)
    {
        using var create = connection.CreateCommand();
        create.Transaction = transaction;
        create.CommandText = $"""
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
                embedding float[{expected.Dimension}] distance_metric={expected.Metric},
                chunk_size={VecChunkSize}
            );
            insert into meta (key, value) values ('model', $model), ('dimension', $dimension), ('metric', $metric), ('version', '0');
            pragma user_version = {Version};
            """;
        create.Parameters.AddWithValue("$model", expected.Model);
        create.Parameters.AddWithValue("$dimension", expected.Dimension.ToString(CultureInfo.InvariantCulture));
        create.Parameters.AddWithValue("$metric", expected.Metric);
        create.ExecuteNonQuery();
        RecordModelFile(connection, transaction, expected);
    }

    /// <summary>Records the model file's SHA-256 and name (when the caller knows them).</summary>
    private static void RecordModelFile(SqliteConnection connection, SqliteTransaction transaction, CollectionInfo expected)
    {
        if (expected.ModelSha256 is null)
        {
            return;
        }

        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "insert or replace into meta (key, value) values ('model_sha256', $sha256), ('model_file', $file)";
        insert.Parameters.AddWithValue("$sha256", expected.ModelSha256);
        insert.Parameters.AddWithValue("$file", expected.ModelFile ?? "");
        insert.ExecuteNonQuery();
    }

    private static CollectionInfo Check(SqliteConnection connection, SqliteTransaction transaction, int userVersion, CollectionInfo expected)
    {
        if (userVersion != Version)
        {
            throw new CollectionMismatchException(
                $"Database schema version {userVersion} is not the supported version {Version}; it was written by another ImageFinder version or another program. Use a new database file.");
        }

        var meta = new Dictionary<string, string>();
        using (var read = connection.CreateCommand())
        {
            read.Transaction = transaction;
            read.CommandText = "select key, value from meta";
            using var reader = read.ExecuteReader();
            while (reader.Read())
            {
                meta[reader.GetString(0)] = reader.GetString(1);
            }
        }

        var dimension = meta.GetValueOrDefault("dimension");
        if (dimension != expected.Dimension.ToString(CultureInfo.InvariantCulture))
        {
            throw new CollectionMismatchException(
                $"The database holds {dimension}-dimensional vectors but the model '{expected.Model}' produces {expected.Dimension}. Use another database file (ImageFinder:Database / --db) or the model the database was built with ('{meta.GetValueOrDefault("model")}').");
        }

        if (meta.GetValueOrDefault("model") != expected.Model)
        {
            throw new CollectionMismatchException(
                $"The database was built with model '{meta.GetValueOrDefault("model")}', not '{expected.Model}': their vectors are not comparable. Use another database file (ImageFinder:Database / --db) or that model.");
        }

        var storedSha256 = meta.GetValueOrDefault("model_sha256");
        if (expected.ModelSha256 is not null && storedSha256 is not null && storedSha256 != expected.ModelSha256)
        {
            // Same card name, another file (re-exported, other weights, fine-tuned): the vectors are not comparable.
            throw new CollectionMismatchException(
                $"The database was built with the model file '{meta.GetValueOrDefault("model_file")}' (SHA-256 {storedSha256}), not '{expected.ModelFile}' (SHA-256 {expected.ModelSha256}), although both are named '{expected.Model}': their vectors are not comparable. Use that model file, another database file (ImageFinder:Database / --db), or re-embed the collection into a new database with 'reindex'.");
        }

        if (expected.ModelSha256 is not null && storedSha256 is null)
        {
            // A database from before model hashes were recorded adopts the file it is first opened with.
            RecordModelFile(connection, transaction, expected);
        }

        // The metric is chosen when the database is created; the stored one wins over the one asked for.
        var metric = CollectionInfo.ParseMetric(meta.GetValueOrDefault("metric"))
            ?? throw new CollectionMismatchException($"The database uses the distance metric '{meta.GetValueOrDefault("metric")}', which this version does not support ({string.Join(", ", CollectionInfo.Metrics)}).");
        return expected with { Metric = metric, ModelSha256 = storedSha256 ?? expected.ModelSha256, ModelFile = meta.GetValueOrDefault("model_file") ?? expected.ModelFile };
    }

    private static object? Scalar(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
