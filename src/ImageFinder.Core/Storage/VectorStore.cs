using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ImageFinder.Native;
using Microsoft.Data.Sqlite;

namespace ImageFinder.Storage;

/// <summary>
/// One SQLite file in WAL mode: an <c>images</c> table (source, SHA-256, size, dimensions, times) and a
/// sqlite-vec <c>vec0</c> table of <c>float[dimension]</c> keyed by the image id, searched by exact KNN under the collection's metric.
/// Writes go through one connection, one transaction per batch, so a reader never sees half a batch and a
/// crash loses at most the batch in flight. Every write transaction bumps a collection version and stamps
/// the rows it touches (deletions leave a tombstone), so in-memory indexes can catch up incrementally.
/// Reads use a small pool of connections (WAL lets them run while a write is in progress).
/// </summary>
public sealed class VectorStore : IImageStore
{
    private readonly string connectionString;
    private readonly SqliteConnection writer;
    private readonly SemaphoreSlim writeLock = new(1, 1);
    private readonly ReaderPool readers;
    private bool disposed;

    private VectorStore(string path, CollectionInfo collection, SqliteConnection writer, string connectionString)
    {
        Path = path;
        Collection = collection;
        this.writer = writer;
        this.connectionString = connectionString;
        readers = new ReaderPool(() => OpenConnection(connectionString), Environment.ProcessorCount * 2);
        using var lease = RentReader();
        ReadsChunksDirectly = VecChunkReader.Verify(lease.Connection, collection.Dimension);
    }

    public string Path { get; }

    public string Kind => StoreKinds.Sqlite;

    public string Location => Path;

    public long? StorageBytes => DatabaseBytes;

    /// <summary>The model, dimension and distance metric of the stored vectors (the metric as stored in the database).</summary>
    public CollectionInfo Collection { get; }

    /// <summary>
    /// Opens (or creates) the database at <paramref name="path"/> for vectors of <paramref name="expected"/>. A new database
    /// gets <paramref name="expected"/>'s metric; an existing one keeps its own, which <see cref="Collection"/> reports.
    /// </summary>
    /// <exception cref="CollectionMismatchException">The file holds another model's vectors, another dimension, or another schema.</exception>
    public static VectorStore Open(string path, CollectionInfo expected)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(expected.Dimension, 1);
        if (CollectionInfo.ParseMetric(expected.Metric) != expected.Metric)
        {
            throw new ArgumentException($"Unsupported distance metric '{expected.Metric}'; use one of {string.Join(", ", CollectionInfo.Metrics)}.", nameof(expected));
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
            // 16 KiB pages (only takes effect when the file is new): exact scans read ~20 % faster than with 4 KiB.
            Execute(writer, "pragma page_size = 16384; pragma journal_mode = wal; pragma synchronous = normal;");
            var collection = StoreSchema.Ensure(writer, expected);
            return new VectorStore(fullPath, collection, writer, connectionString);
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    /// <summary>Exact KNN in sqlite-vec under the collection's metric: the <paramref name="k"/> stored images nearest to <paramref name="query"/>, nearest first.</summary>
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(float[] query, int k, CancellationToken cancellationToken = default)
    {
        CheckDimension(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        using var lease = RentReader();
        await using var command = lease.Connection.CreateCommand();
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
            // sqlite-vec gives no cosine distance (NULL) to or from a zero vector, which has no direction: it is at
            // distance 1 from everything, as VectorDistance.CosineDistance has it.
            var distance = reader.IsDBNull(1) ? 1f : (float)reader.GetDouble(1);
            hits.Add(new SearchHit(reader.GetInt64(0), distance, reader.GetString(2)));
        }

        SortHits(hits);
        return hits;
    }

    /// <summary>
    /// Exact filtered KNN in sqlite-vec: the images that match are found first (the added window and sizes in SQL, the
    /// labels, which are folder names of the sources, in code), then sqlite-vec's KNN runs over those ids only, so the
    /// answer is the k nearest among them. An empty filter is the plain search.
    /// </summary>
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(float[] query, int k, ImageFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.IsEmpty)
        {
            return await SearchAsync(query, k, cancellationToken).ConfigureAwait(false);
        }

        CheckDimension(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        using var lease = RentReader();
        // One read transaction, so the ids found and the KNN over them see the same commit.
        using var transaction = lease.Connection.BeginTransaction(deferred: true);
        var matching = new List<long>();
        await using (var select = lease.Connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = "select id, source from images where added_ms >= $after and added_ms < $before and width >= $width and height >= $height";
            select.Parameters.AddWithValue("$after", filter.AddedAfterMs);
            select.Parameters.AddWithValue("$before", filter.AddedBeforeMs);
            select.Parameters.AddWithValue("$width", filter.MinWidth ?? 0);
            select.Parameters.AddWithValue("$height", filter.MinHeight ?? 0);
            await using var rows = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await rows.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (filter.Labels.Count == 0 || (ImageLabel.Of(rows.GetString(1)) is { } label && filter.Labels.Contains(label, StringComparer.Ordinal)))
                {
                    matching.Add(rows.GetInt64(0));
                }
            }
        }

        var hits = new List<SearchHit>(Math.Min(k, matching.Count));
        if (matching.Count > 0)
        {
            await using var command = lease.Connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                with knn as (
                    select image_id, distance from vec_images
                    where embedding match $query and k = $k and image_id in (select value from json_each($ids))
                )
                select knn.image_id, knn.distance, images.source
                from knn join images on images.id = knn.image_id
                """;
            command.Parameters.AddWithValue("$query", ToBlob(query));
            command.Parameters.AddWithValue("$k", k);
            command.Parameters.AddWithValue("$ids", System.Text.Json.JsonSerializer.Serialize(matching));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                hits.Add(new SearchHit(reader.GetInt64(0), reader.IsDBNull(1) ? 1f : (float)reader.GetDouble(1), reader.GetString(2)));
            }
        }

        transaction.Commit();
        SortHits(hits);
        return hits;
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        using var lease = RentReader();
        await using var command = lease.Connection.CreateCommand();
        command.CommandText = "select count(*) from images";
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<StoredImage?> FindAsync(long id, CancellationToken cancellationToken = default)
    {
        var found = await QueryImagesAsync("where id = $id", [("$id", id)], cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>The image whose bytes hash to <paramref name="sha256"/> (the lowest id when several do), or null.</summary>
    public async Task<StoredImage?> FindBySha256Async(string sha256, CancellationToken cancellationToken = default)
    {
        var found = await QueryImagesAsync("where sha256 = $sha256 order by id limit 1", [("$sha256", sha256)], cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>A page of the collection in id order.</summary>
    public Task<IReadOnlyList<StoredImage>> ListAsync(int offset, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return QueryImagesAsync("order by id limit $limit offset $offset", [("$limit", limit), ("$offset", offset)], cancellationToken);
    }

    /// <summary>
    /// Whether <see cref="ReadVectors"/> reads sqlite-vec's chunk blobs itself (<see cref="VecChunkReader"/>): true when
    /// the database's layout passed the check at open, else sqlite-vec's own point query is used. Tests set it to
    /// false to run the fallback on a database whose layout is fine.
    /// </summary>
    internal bool ReadsChunksDirectly { get; set; }

    /// <summary>Bytes on disk: the database file and its write-ahead log.</summary>
    public long DatabaseBytes => FileLength(Path) + FileLength(Path + "-wal");

    public Task<Dictionary<string, FileFingerprint>> LoadFingerprintsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(LoadFingerprints());

    public Task<float[]?> ReadVectorAsync(long id, CancellationToken cancellationToken = default)
    {
        var vector = new float[Collection.Dimension];
        return Task.FromResult(ReadVectors([id], vector)[0] ? vector : null);
    }

    public async Task<long> ReadVersionAsync(CancellationToken cancellationToken = default)
    {
        using var lease = RentReader();
        await using var command = lease.Connection.CreateCommand();
        command.CommandText = "select cast(value as integer) from meta where key = 'version'";
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>Every image with its vector in id order, from one read transaction on a connection of its own (a consistent snapshot).</summary>
    public async IAsyncEnumerable<StoredEntry> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var connection = OpenDedicatedConnection();
        await foreach (var entry in ReadEntriesAsync(connection, Path, Collection.Dimension, cancellationToken).ConfigureAwait(false))
        {
            yield return entry;
        }
    }

    /// <summary>
    /// Every image of the database on <paramref name="connection"/> (sqlite-vec loaded) with its vector, in id order,
    /// in one read transaction; shared by this store and the read-only <see cref="StoredCollection"/>.
    /// </summary>
    /// <exception cref="CollectionMismatchException">A stored vector is not <paramref name="dimension"/>-d.</exception>
    internal static async IAsyncEnumerable<StoredEntry> ReadEntriesAsync(SqliteConnection connection, string path, int dimension, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var transaction = connection.BeginTransaction(deferred: true);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            select {StoredImage.QualifiedColumns}, vec_images.embedding
            from images join vec_images on vec_images.image_id = images.id
            order by images.id
            """;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var vector = MemoryMarshal.Cast<byte, float>((byte[])reader.GetValue(8)).ToArray();
            if (vector.Length != dimension)
            {
                throw new CollectionMismatchException($"'{path}' holds a {vector.Length}-d vector for image {reader.GetInt64(0)}; the collection's are {dimension}-d.");
            }

            yield return new StoredEntry(StoredImage.Read(reader), vector);
        }
    }

    public Task<bool> PingAsync(CancellationToken cancellationToken = default) => Task.FromResult(!disposed);

    public Task<long> ReadIdHighWaterMarkAsync(CancellationToken cancellationToken = default)
    {
        using var lease = RentReader();
        return Task.FromResult(StoreSchema.IdHighWaterMark(lease.Connection));
    }

    /// <summary>Every stored source with its fingerprint, for the ingest job's change detection.</summary>
    public Dictionary<string, FileFingerprint> LoadFingerprints()
    {
        using var lease = RentReader();
        using var command = lease.Connection.CreateCommand();
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

    /// <summary>The sources of the given ids (missing ids are left out).</summary>
    public Dictionary<long, string> ReadSources(IReadOnlyCollection<long> ids)
    {
        var sources = new Dictionary<long, string>(ids.Count);
        using var lease = RentReader();
        using var command = lease.Connection.CreateCommand();
        // One statement for the whole list (the ids as a JSON array), not one query per id.
        command.CommandText = "select images.id, images.source from json_each($ids) as ids join images on images.id = ids.value";
        command.Parameters.AddWithValue("$ids", "[" + string.Join(',', ids) + "]");
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            sources[reader.GetInt64(0)] = reader.GetString(1);
        }

        return sources;
    }

    /// <summary>Asked before each vector <see cref="ReadVectorsInOrder"/> reads: false stops the reading.</summary>
    internal delegate bool ReadNext(int index);

    /// <summary>A vector <see cref="ReadVectorsInOrder"/> read (ids[index]); the span is valid during the call only.</summary>
    internal delegate void VectorRead(int index, ReadOnlySpan<float> vector);

    /// <summary>
    /// Reads the stored vectors of <paramref name="ids"/> one at a time in their order, in one read transaction;
    /// before each, <paramref name="next"/> says whether to go on, so a re-rank stops as soon as no candidate left can
    /// enter its answer. Ids that are gone are skipped.
    /// </summary>
    internal void ReadVectorsInOrder(ReadOnlySpan<long> ids, ReadNext next, VectorRead read)
    {
        using var lease = RentReader();
        if (ReadsChunksDirectly)
        {
            using var chunks = new VecChunkReader(lease.Connection, Collection.Dimension);
            chunks.ReadInOrder(ids, next, read);
            return;
        }

        using var transaction = lease.Connection.BeginTransaction(deferred: true);
        using var command = lease.Connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "select embedding from vec_images where image_id = $id";
        var parameter = command.Parameters.Add("$id", SqliteType.Integer);
        var vector = new float[Collection.Dimension];
        var bytes = MemoryMarshal.AsBytes(vector.AsSpan());
        for (var i = 0; i < ids.Length && next(i); i++)
        {
            parameter.Value = ids[i];
            using var reader = command.ExecuteReader();
            if (reader.Read() && reader.GetBytes(0, 0, null, 0, 0) == bytes.Length && CopyBlob(reader, bytes))
            {
                read(i, vector);
            }
        }
    }

    /// <summary>Reads the stored vectors of <paramref name="ids"/> into <paramref name="destination"/> (row i ← ids[i]); false for ids that are gone.</summary>
    public bool[] ReadVectors(ReadOnlySpan<long> ids, Span<float> destination)
    {
        var dimension = Collection.Dimension;
        if (destination.Length < ids.Length * dimension)
        {
            throw new ArgumentException("Destination is too small.", nameof(destination));
        }

        var found = new bool[ids.Length];
        var rows = new float[ids.Length * dimension];
        ReadVectorsInOrder(ids, _ => true, (row, vector) =>
        {
            vector.CopyTo(rows.AsSpan(row * dimension, dimension));
            found[row] = true;
        });
        rows.CopyTo(destination);
        return found;
    }

    /// <summary>
    /// Writes a batch in one transaction: a new source gets a new id (or the one its <see cref="ImageRecord.Keep"/>
    /// says, with that added time), a known source keeps its id and gets the new fingerprint and vector. All or nothing.
    /// </summary>
    /// <exception cref="InvalidOperationException">A record's kept id is taken by another source, or its source has another id here.</exception>
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
            var version = NextVersion(transaction);
            using var find = Command(transaction, "select id from images where source = $source", "$source");
            using var insert = Command(
                transaction,
                "insert into images (id, source, sha256, size_bytes, modified_ms, width, height, added_ms, version) values ($id, $source, $sha256, $size, $modified, $width, $height, $added, $version) returning id",
                "$id", "$source", "$sha256", "$size", "$modified", "$width", "$height", "$added", "$version");
            using var update = Command(
                transaction,
                "update images set sha256 = $sha256, size_bytes = $size, modified_ms = $modified, width = $width, height = $height, version = $version where id = $id",
                "$id", "$sha256", "$size", "$modified", "$width", "$height", "$version");
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
                    if (record.Keep is { } keep && keep.Id != known)
                    {
                        throw new InvalidOperationException($"'{record.Source}' is image {known} in this database, not image {keep.Id}.");
                    }

                    id = known;
                    outcome = WriteOutcome.Updated;
                    update.Parameters["$id"].Value = id;
                    update.Parameters["$version"].Value = version;
                    SetFingerprint(update, record);
                    update.ExecuteNonQuery();
                    deleteVector.Parameters["$id"].Value = id;
                    deleteVector.ExecuteNonQuery();
                }
                else
                {
                    outcome = WriteOutcome.Added;
                    insert.Parameters["$id"].Value = record.Keep is { } keep ? keep.Id : DBNull.Value;
                    insert.Parameters["$source"].Value = record.Source;
                    insert.Parameters["$added"].Value = record.Keep?.Added.ToUnixTimeMilliseconds() ?? now;
                    insert.Parameters["$version"].Value = version;
                    SetFingerprint(insert, record);
                    try
                    {
                        id = (long)insert.ExecuteScalar()!;
                    }
                    catch (SqliteException e) when (record.Keep is { } kept && e.SqliteErrorCode == 19)
                    {
                        throw new InvalidOperationException($"Image id {kept.Id} is taken by another source than '{record.Source}' in this database.", e);
                    }
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

    /// <summary>Removes an image's row and vector together; false when there was no such image.</summary>
    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default)
    {
        await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            using var transaction = writer.BeginTransaction();
            using var delete = Command(transaction, "delete from images where id = $id", "$id");
            delete.Parameters["$id"].Value = id;
            if (delete.ExecuteNonQuery() == 0)
            {
                return false;
            }

            var version = NextVersion(transaction);
            using var deleteVector = Command(transaction, "delete from vec_images where image_id = $id", "$id");
            deleteVector.Parameters["$id"].Value = id;
            deleteVector.ExecuteNonQuery();
            using var tombstone = Command(transaction, "insert into deletions (image_id, version) values ($id, $version)", "$id", "$version");
            tombstone.Parameters["$id"].Value = id;
            tombstone.Parameters["$version"].Value = version;
            tombstone.ExecuteNonQuery();
            transaction.Commit();
            return true;
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <summary>
    /// Makes sure no id up to <paramref name="highWaterMark"/> is ever handed out to a new image here (ids are never
    /// reused; a collection that takes over another's ids takes over its highest id ever used too).
    /// </summary>
    public async Task ReserveIdsUpToAsync(long highWaterMark, CancellationToken cancellationToken = default)
    {
        await writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            using var transaction = writer.BeginTransaction();
            StoreSchema.ReserveIdsUpTo(writer, transaction, highWaterMark);
            transaction.Commit();
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
            readers.Dispose();
            writer.Dispose();
        }
        finally
        {
            writeLock.Release();
        }
    }

    /// <summary>The pool of read connections (internal for the tests of its disposal).</summary>
    internal ReaderPool Readers => readers;

    /// <summary>A connection of its own (for an index that follows the collection's changes); the caller disposes it.</summary>
    internal SqliteConnection OpenDedicatedConnection()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        return OpenConnection(connectionString);
    }

    internal static void SortHits(List<SearchHit> hits) =>
        // Nearest first; equal distances in id order, so answers are deterministic.
        hits.Sort((a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.Id.CompareTo(b.Id));

    private static SqliteConnection OpenConnection(string connectionString)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            connection.EnableExtensions(true);
            connection.LoadExtension(NativeLibraries.SqliteVecPath);
            connection.EnableExtensions(false);
            // Memory-mapped reads (SQLite caps the size at its build's limit, 2 GiB): a page already mapped costs no
            // system call, which makes the re-rank's point reads of vectors several times cheaper.
            Execute(connection, "pragma busy_timeout = 10000; pragma mmap_size = 2147418112;");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long NextVersion(SqliteTransaction transaction)
    {
        using var command = transaction.Connection!.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "update meta set value = cast(value as integer) + 1 where key = 'version' returning cast(value as integer)";
        return (long)command.ExecuteScalar()!;
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

    private static bool CopyBlob(SqliteDataReader reader, Span<byte> destination)
    {
        using var stream = reader.GetStream(0);
        stream.ReadExactly(destination);
        return true;
    }

    private static byte[] ToBlob(float[] vector) => MemoryMarshal.AsBytes(vector.AsSpan()).ToArray();

    private static long FileLength(string path)
    {
        var file = new FileInfo(path);
        return file.Exists ? file.Length : 0;
    }

    private async Task<IReadOnlyList<StoredImage>> QueryImagesAsync(string clause, (string Name, object Value)[] parameters, CancellationToken cancellationToken)
    {
        using var lease = RentReader();
        await using var command = lease.Connection.CreateCommand();
        command.CommandText = $"select {StoredImage.Columns} from images " + clause;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        var images = new List<StoredImage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            images.Add(StoredImage.Read(reader));
        }

        return images;
    }

    private void CheckDimension(float[] vector)
    {
        if (vector.Length != Collection.Dimension)
        {
            throw new ArgumentException($"Vector has {vector.Length} dimensions; the collection's are {Collection.Dimension}.");
        }
    }

    private ReaderLease RentReader()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
#pragma warning disable CA2000 // Ownership moves to the lease, which returns the connection to the pool.
        return new ReaderLease(readers, readers.Rent());
#pragma warning restore CA2000
    }

    /// <summary>A pooled read connection, returned on dispose.</summary>
    private readonly struct ReaderLease(ReaderPool pool, SqliteConnection connection) : IDisposable
    {
        public SqliteConnection Connection => connection;

        public void Dispose() => pool.Return(connection);
    }
}
