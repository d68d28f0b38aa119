using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;
using ImageFinder.Native;
using Microsoft.Data.Sqlite;

namespace ImageFinder.Storage;

/// <summary>
/// One SQLite file in WAL mode: an <c>images</c> table (source, SHA-256, size, dimensions, times) and a
/// sqlite-vec <c>vec0</c> table of <c>float[dimension]</c> keyed by the image id, searched by exact L2 KNN.
/// Writes go through one connection, one transaction per batch, so a reader never sees half a batch and a
/// crash loses at most the batch in flight. Reads use a small pool of connections (WAL allows them to
/// run while a write is in progress).
/// </summary>
public sealed class VectorStore : IDisposable
{
    public const int SchemaVersion = 1;

    private readonly string connectionString;
    private readonly SqliteConnection writer;
    private readonly SemaphoreSlim writeLock = new(1, 1);
    private readonly ConcurrentBag<SqliteConnection> readers = [];
    private bool disposed;

    private VectorStore(string path, CollectionInfo collection, SqliteConnection writer, string connectionString)
    {
        Path = path;
        Collection = collection;
        this.writer = writer;
        this.connectionString = connectionString;
    }

    public string Path { get; }

    public CollectionInfo Collection { get; }

    /// <summary>Opens (or creates) the database at <paramref name="path"/> for vectors of <paramref name="expected"/>.</summary>
    /// <exception cref="CollectionMismatchException">The file holds another model's vectors, another dimension, or another schema.</exception>
    public static VectorStore Open(string path, CollectionInfo expected)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(expected.Dimension, 1);
        if (expected.Metric != CollectionInfo.L2)
        {
            throw new ArgumentException($"Unsupported distance metric '{expected.Metric}'.", nameof(expected));
        }

        SQLitePCL.Batteries_V2.Init();
        var fullPath = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(fullPath)!);
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString();

        var writer = OpenConnection(connectionString);
        try
        {
            Execute(writer, "pragma journal_mode = wal; pragma synchronous = normal;");
            EnsureSchema(writer, expected);
            return new VectorStore(fullPath, expected, writer, connectionString);
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    /// <summary>The <paramref name="k"/> nearest stored images to <paramref name="query"/>, nearest first.</summary>
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(float[] query, int k, CancellationToken cancellationToken = default)
    {
        CheckDimension(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        var connection = RentReader();
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = """
                with knn as (
                    select image_id, distance from vec_images where embedding match $query and k = $k
                )
                select knn.image_id, knn.distance, images.source
                from knn join images on images.id = knn.image_id
                """;
            command.Parameters.AddWithValue("$query", ToBlob(query));
            command.Parameters.AddWithValue("$k", k);
            var hits = new List<SearchHit>(k);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                hits.Add(new SearchHit(reader.GetInt64(0), (float)reader.GetDouble(1), reader.GetString(2)));
            }

            // Nearest first; equal distances in id order, so answers are deterministic.
            hits.Sort((a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.Id.CompareTo(b.Id));
            return hits;
        }
        finally
        {
            ReturnReader(connection);
        }
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        var connection = RentReader();
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "select count(*) from images";
            return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        finally
        {
            ReturnReader(connection);
        }
    }

    public async Task<StoredImage?> FindAsync(long id, CancellationToken cancellationToken = default)
    {
        var connection = RentReader();
        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "select id, source, sha256, size_bytes, modified_ms, width, height, added_ms from images where id = $id";
            command.Parameters.AddWithValue("$id", id);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                ? new StoredImage(
                    reader.GetInt64(0),
                    reader.GetString(1),
                    reader.GetString(2),
                    reader.GetInt64(3),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                    reader.GetInt32(5),
                    reader.GetInt32(6),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)))
                : null;
        }
        finally
        {
            ReturnReader(connection);
        }
    }

    /// <summary>Every stored source with its fingerprint, for the ingest job's change detection.</summary>
    public Dictionary<string, FileFingerprint> LoadFingerprints()
    {
        var connection = RentReader();
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = "select id, source, size_bytes, modified_ms, sha256 from images";
            using var reader = command.ExecuteReader();
            var fingerprints = new Dictionary<string, FileFingerprint>(StringComparer.Ordinal);
            while (reader.Read())
            {
                fingerprints[reader.GetString(1)] = new FileFingerprint(
                    reader.GetInt64(0), reader.GetInt64(2), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), reader.GetString(4));
            }

            return fingerprints;
        }
        finally
        {
            ReturnReader(connection);
        }
    }

    /// <summary>
    /// Writes a batch in one transaction: a new source gets a new id, a known source keeps its id and gets the
    /// new fingerprint and vector. All or nothing.
    /// </summary>
    public async Task<IReadOnlyList<(long Id, WriteOutcome Outcome)>> WriteBatchAsync(IReadOnlyList<ImageRecord> records, CancellationToken cancellationToken = default)
    {
        foreach (var record in records)
        {
            CheckDimension(record.Embedding);
        }

        await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            using var transaction = writer.BeginTransaction();
            using var find = Command(transaction, "select id from images where source = $source", "$source");
            using var insert = Command(
                transaction,
                "insert into images (source, sha256, size_bytes, modified_ms, width, height, added_ms) values ($source, $sha256, $size, $modified, $width, $height, $added) returning id",
                "$source", "$sha256", "$size", "$modified", "$width", "$height", "$added");
            using var update = Command(
                transaction,
                "update images set sha256 = $sha256, size_bytes = $size, modified_ms = $modified, width = $width, height = $height where id = $id",
                "$id", "$sha256", "$size", "$modified", "$width", "$height");
            using var deleteVector = Command(transaction, "delete from vec_images where image_id = $id", "$id");
            using var insertVector = Command(transaction, "insert into vec_images (image_id, embedding) values ($id, $embedding)", "$id", "$embedding");

            var results = new List<(long, WriteOutcome)>(records.Count);
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            foreach (var record in records)
            {
                find.Parameters["$source"].Value = record.Source;
                var existing = find.ExecuteScalar();
                long id;
                WriteOutcome outcome;
                if (existing is long known)
                {
                    id = known;
                    outcome = WriteOutcome.Updated;
                    update.Parameters["$id"].Value = id;
                    SetFingerprint(update, record);
                    update.ExecuteNonQuery();
                    deleteVector.Parameters["$id"].Value = id;
                    deleteVector.ExecuteNonQuery();
                }
                else
                {
                    outcome = WriteOutcome.Added;
                    insert.Parameters["$source"].Value = record.Source;
                    insert.Parameters["$added"].Value = now;
                    SetFingerprint(insert, record);
                    id = (long)insert.ExecuteScalar()!;
                }

                insertVector.Parameters["$id"].Value = id;
                insertVector.Parameters["$embedding"].Value = ToBlob(record.Embedding);
                insertVector.ExecuteNonQuery();
                results.Add((id, outcome));
            }

            transaction.Commit();
            return results;
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <summary>Records a new size/modification time for a file whose content hash did not change.</summary>
    public async Task TouchAsync(string source, long sizeBytes, DateTimeOffset modified, CancellationToken cancellationToken = default)
    {
        await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            using var command = writer.CreateCommand();
            command.CommandText = "update images set size_bytes = $size, modified_ms = $modified where source = $source";
            command.Parameters.AddWithValue("$size", sizeBytes);
            command.Parameters.AddWithValue("$modified", modified.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$source", source);
            command.ExecuteNonQuery();
        }
        finally
        {
            writeLock.Release();
        }
    }

    public void Dispose()
    {
        writeLock.Wait();
        try
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            while (readers.TryTake(out var reader))
            {
                reader.Dispose();
            }

            writer.Dispose();
        }
        finally
        {
            writeLock.Release();
        }
    }

    private static SqliteConnection OpenConnection(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            connection.EnableExtensions(true);
            connection.LoadExtension(NativeLibraries.SqliteVecPath);
            connection.EnableExtensions(false);
            Execute(connection, "pragma busy_timeout = 10000; pragma foreign_keys = on;");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void EnsureSchema(SqliteConnection connection, CollectionInfo expected)
    {
        using var transaction = connection.BeginTransaction();
        var userVersion = Convert.ToInt32(Scalar(connection, transaction, "pragma user_version"), CultureInfo.InvariantCulture);
        var hasTables = Convert.ToInt64(Scalar(connection, transaction, "select count(*) from sqlite_master where name in ('images', 'vec_images', 'meta')"), CultureInfo.InvariantCulture) > 0;

        if (userVersion == 0 && !hasTables)
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
                    added_ms integer not null
                );
                create index images_sha256 on images (sha256);
                create virtual table vec_images using vec0 (image_id integer primary key, embedding float[{expected.Dimension}] distance_metric={expected.Metric});
                insert into meta (key, value) values ('model', $model), ('dimension', $dimension), ('metric', $metric);
                pragma user_version = {SchemaVersion};
                """;
            create.Parameters.AddWithValue("$model", expected.Model);
            create.Parameters.AddWithValue("$dimension", expected.Dimension.ToString(CultureInfo.InvariantCulture));
            create.Parameters.AddWithValue("$metric", expected.Metric);
            create.ExecuteNonQuery();
            transaction.Commit();
            return;
        }

        if (userVersion != SchemaVersion)
        {
            throw new CollectionMismatchException(
                $"Database schema version {userVersion} is not the supported version {SchemaVersion}; it was written by another ImageFinder version or another program. Use a new database file.");
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

        if (meta.GetValueOrDefault("metric") != expected.Metric)
        {
            throw new CollectionMismatchException($"The database uses the '{meta.GetValueOrDefault("metric")}' distance, not '{expected.Metric}'.");
        }

        transaction.Commit();
    }

    private static object? Scalar(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static SqliteCommand Command(SqliteTransaction transaction, string sql, params string[] parameters)
    {
        var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }

    private static void SetFingerprint(SqliteCommand command, ImageRecord record)
    {
        command.Parameters["$sha256"].Value = record.Sha256;
        command.Parameters["$size"].Value = record.SizeBytes;
        command.Parameters["$modified"].Value = record.Modified.ToUnixTimeMilliseconds();
        command.Parameters["$width"].Value = record.Width;
        command.Parameters["$height"].Value = record.Height;
    }

    private static byte[] ToBlob(float[] vector) => MemoryMarshal.AsBytes(vector.AsSpan()).ToArray();

    private void CheckDimension(float[] vector)
    {
        if (vector.Length != Collection.Dimension)
        {
            throw new ArgumentException($"Vector has {vector.Length} dimensions; the collection's are {Collection.Dimension}.");
        }
    }

    private SqliteConnection RentReader()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return readers.TryTake(out var connection) ? connection : OpenConnection(connectionString);
    }

    private void ReturnReader(SqliteConnection connection)
    {
        if (disposed || readers.Count >= Environment.ProcessorCount * 2)
        {
            connection.Dispose();
            return;
        }

        readers.Add(connection);
    }
}
