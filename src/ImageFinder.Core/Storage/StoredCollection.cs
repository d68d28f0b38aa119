using System.Globalization;
using ImageFinder.Native;
using Microsoft.Data.Sqlite;

namespace ImageFinder.Storage;

/// <summary>
/// A database opened read-only, to be copied from (a re-index, a migration): what its vectors are (model, SHA-256,
/// dimension, metric), its images (with their vectors) in id order and the highest id it ever used. Nothing is ever
/// written to the file, so a database of an older schema version is read as it is, not migrated.
/// </summary>
public sealed class StoredCollection : ICollectionReader, IDisposable
{
    private readonly SqliteConnection connection;

    private StoredCollection(string path, SqliteConnection connection, CollectionInfo collection)
    {
        Path = path;
        this.connection = connection;
        Collection = collection;
    }

    public string Path { get; }

    public string Location => Path;

    public CollectionInfo Collection { get; }

    /// <summary>Opens the ImageFinder database at <paramref name="path"/> read-only.</summary>
    /// <exception cref="CollectionMismatchException">The file is missing, not a database, or not an ImageFinder database.</exception>
    public static StoredCollection Open(string path)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new CollectionMismatchException($"There is no database at '{fullPath}'.");
        }

        SQLitePCL.Batteries_V2.Init();
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            connection.EnableExtensions(true);
            connection.LoadExtension(NativeLibraries.SqliteVecPath);
            connection.EnableExtensions(false);
            var userVersion = Convert.ToInt32(Scalar(connection, "pragma user_version"), CultureInfo.InvariantCulture);
            var meta = ReadMeta(connection);
            if (userVersion is < StoreSchema.OldestVersion or > StoreSchema.Version || !meta.TryGetValue("model", out var model)
                || !int.TryParse(meta.GetValueOrDefault("dimension"), CultureInfo.InvariantCulture, out var dimension)
                || CollectionInfo.ParseMetric(meta.GetValueOrDefault("metric")) is not { } metric)
            {
                throw new CollectionMismatchException($"'{fullPath}' is not an ImageFinder database of schema version {StoreSchema.OldestVersion} to {StoreSchema.Version}.");
            }

            var collection = new CollectionInfo(model, dimension, metric, meta.GetValueOrDefault("model_sha256"), meta.GetValueOrDefault("model_file"));
            return new StoredCollection(fullPath, connection, collection);
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new CollectionMismatchException($"'{fullPath}' cannot be read as an ImageFinder database: {e.Message}");
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Every image row in id order (read in one snapshot).</summary>
    public IReadOnlyList<StoredImage> Images()
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"select {StoredImage.Columns} from images order by id";
        using var reader = command.ExecuteReader();
        var images = new List<StoredImage>();
        while (reader.Read())
        {
            images.Add(StoredImage.Read(reader));
        }

        return images;
    }

    /// <summary>
    /// The highest image id this collection has ever handed out, deleted images included: a collection that takes over
    /// its ids (a re-index) must not hand out any id up to it to a new image.
    /// </summary>
    public long IdHighWaterMark() => StoreSchema.IdHighWaterMark(connection);

    public Task<long> ReadIdHighWaterMarkAsync(CancellationToken cancellationToken = default) => Task.FromResult(IdHighWaterMark());

    public Task<Dictionary<string, FileFingerprint>> LoadFingerprintsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(Images().ToDictionary(image => image.Source, image => new FileFingerprint(image.Id, image.SizeBytes, image.Modified, image.Sha256), StringComparer.Ordinal));

    /// <summary>Every image with its vector in id order, in one read transaction.</summary>
    public IAsyncEnumerable<StoredEntry> ReadAllAsync(CancellationToken cancellationToken = default) =>
        VectorStore.ReadEntriesAsync(connection, Path, Collection.Dimension, cancellationToken);

    public void Dispose() => connection.Dispose();

    private static Dictionary<string, string> ReadMeta(SqliteConnection connection)
    {
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        if (Convert.ToInt64(Scalar(connection, "select count(*) from sqlite_master where name = 'meta'"), CultureInfo.InvariantCulture) == 0)
        {
            return meta;
        }

        using var command = connection.CreateCommand();
        command.CommandText = "select key, value from meta";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            meta[reader.GetString(0)] = reader.GetString(1);
        }

        return meta;
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
