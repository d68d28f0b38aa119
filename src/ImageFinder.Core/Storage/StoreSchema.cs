using System.Globalization;
using Microsoft.Data.Sqlite;

namespace ImageFinder.Storage;

/// <summary>
/// Creates the schema of a new database, checks that an existing one is ours and fits the model, and migrates one of
/// an older schema version in place.
/// </summary>
/// <remarks>
/// Version 1: image ids were <c>integer primary key</c>, so SQLite gave the id of a deleted image (the highest one) to
/// the next new image. Version 2: ids are <c>autoincrement</c>, and an id is never handed out twice.
/// </remarks>
internal static class StoreSchema
{
    public const int Version = 2;

    /// <summary>The oldest version that is still read (by <see cref="StoredCollection"/>) and migrated (by <see cref="Ensure"/>).</summary>
    public const int OldestVersion = 1;

    /// <summary>
    /// Vectors per sqlite-vec chunk. vec0 keeps each chunk as one blob, and SQLite reaches a position inside a
    /// blob by walking its overflow pages; small chunks keep point reads (re-ranking) and inserts cheap at the
    /// cost of a few percent on full scans.
    /// </summary>
    public const int VecChunkSize = 8;

    /// <summary>
    /// The images table and its indexes. <c>autoincrement</c>: SQLite keeps the highest id ever used in
    /// <c>sqlite_sequence</c> and never hands it out again, even after that image is deleted, so a client that holds an
    /// id never gets another image for it.
    /// </summary>
    private const string ImagesTable = """
        create table images (
            id integer primary key autoincrement,
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
        """;

    /// <summary>Every column of the images table (the same in versions 1 and 2), for copying rows.</summary>
    private const string ImageColumns = "id, source, sha256, size_bytes, modified_ms, width, height, added_ms, version";

    /// <summary>
    /// Creates the schema with <paramref name="expected"/>'s metric, or checks an existing database against the model and
    /// dimension (migrating a version-1 database, in the same transaction). Returns the collection as stored: an existing
    /// database keeps the metric it was created with.
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
            // Checked first: a database that does not fit the model is refused as it is, never migrated.
            actual = Check(connection, transaction, userVersion, expected);
            if (userVersion == 1)
            {
                MigrateFromVersion1(connection, transaction);
            }
        }

        // A random id per database, so that a persisted search index is never applied to another database (a copy
        // keeps it, which is right: a copy holds the same rows until one of them changes, and versions tell those apart).
        using (var identity = connection.CreateCommand())
        {
            identity.Transaction = transaction;
            identity.CommandText = "insert or ignore into meta (key, value) values ('collection_id', lower(hex(randomblob(16))))";
            identity.ExecuteNonQuery();
        }

        transaction.Commit();
        return actual;
    }

    /// <summary>
    /// The highest image id the database has ever handed out: its id sequence (version 2), and at least the highest id
    /// still there or remembered by a deletion tombstone (all that a version-1 database knows).
    /// </summary>
    public static long IdHighWaterMark(SqliteConnection connection, SqliteTransaction? transaction = null)
    {
        var hasSequence = Convert.ToInt64(Scalar(connection, transaction, "select count(*) from sqlite_master where name = 'sqlite_sequence'"), CultureInfo.InvariantCulture) > 0;
        var sequence = hasSequence ? Scalar(connection, transaction, "select max(seq) from sqlite_sequence where name = 'images'") : null;
        var rows = Scalar(connection, transaction, "select max(coalesce((select max(id) from images), 0), coalesce((select max(image_id) from deletions), 0))");
        return Math.Max(sequence is long seq ? seq : 0, Convert.ToInt64(rows, CultureInfo.InvariantCulture));
    }

    /// <summary>Raises the id sequence to at least <paramref name="highWaterMark"/>, so no id up to it is handed out to a new image.</summary>
    public static void ReserveIdsUpTo(SqliteConnection connection, SqliteTransaction transaction, long highWaterMark)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        // sqlite_sequence has no key: one row per table, which SQLite adds on the table's first insert.
        command.CommandText = """
            update sqlite_sequence set seq = $seq where name = 'images' and seq < $seq;
            insert into sqlite_sequence (name, seq) select 'images', $seq where not exists (select 1 from sqlite_sequence where name = 'images');
            """;
        command.Parameters.AddWithValue("$seq", highWaterMark);
        command.ExecuteNonQuery();
    }

    private static void Create(SqliteConnection connection, SqliteTransaction transaction, CollectionInfo expected)
    {
        using var create = connection.CreateCommand();
        create.Transaction = transaction;
        create.CommandText = $"""
            create table meta (key text primary key, value text not null);
            {ImagesTable}
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
        if (userVersion is < OldestVersion or > Version)
        {
            throw new CollectionMismatchException(
                $"Database schema version {userVersion} is not a supported version ({OldestVersion} to {Version}); it was written by another ImageFinder version or another program. Use a new database file.");
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

    /// <summary>
    /// Version 1 to 2: the images table is rebuilt with <c>autoincrement</c> ids (SQLite cannot change a primary key in
    /// place), every row copied as it is, its indexes re-created, and the id sequence seeded with the highest id ever
    /// used, deleted images' tombstones included. Vectors, tombstones and meta are untouched.
    /// </summary>
    private static void MigrateFromVersion1(SqliteConnection connection, SqliteTransaction transaction)
    {
        var highWaterMark = IdHighWaterMark(connection, transaction);
        using (var migrate = connection.CreateCommand())
        {
            migrate.Transaction = transaction;
            migrate.CommandText = $"""
                alter table images rename to images_version1;
                drop index images_sha256;
                drop index images_version;
                {ImagesTable}
                insert into images ({ImageColumns}) select {ImageColumns} from images_version1 order by id;
                drop table images_version1;
                pragma user_version = {Version};
                """;
            migrate.ExecuteNonQuery();
        }

        ReserveIdsUpTo(connection, transaction, highWaterMark);
    }

    private static object? Scalar(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
