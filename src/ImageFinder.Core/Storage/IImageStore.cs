namespace ImageFinder.Storage;

/// <summary>
/// What every feature reads and writes through: the images of one collection with their metadata and vectors, KNN
/// under the collection's metric, and a change version that caches follow. Two stores implement it: the embedded
/// SQLite file (<see cref="VectorStore"/>, the default) and a Garnet cluster (<c>GarnetStore</c>).
/// </summary>
/// <remarks>
/// Ids are the "index" clients see: positive, never reused, stable across stores (a migration keeps them). A store
/// that cannot be reached throws <see cref="StoreUnavailableException"/>, never its client library's own exception.
/// </remarks>
public interface IImageStore : ICollectionReader, IDisposable
{
    /// <summary>"sqlite" or "garnet": what <c>ImageFinder:Store</c> names.</summary>
    string Kind { get; }

    /// <summary>The <paramref name="k"/> stored images nearest to <paramref name="query"/> with their true metric distances, nearest first (ties by id).</summary>
    Task<IReadOnlyList<SearchHit>> SearchAsync(float[] query, int k, CancellationToken cancellationToken = default);

    /// <summary>
    /// The <paramref name="k"/> images nearest to <paramref name="query"/> among those <paramref name="filter"/> lets
    /// through (fewer only when fewer match), with their true metric distances, nearest first (ties by id).
    /// </summary>
    Task<IReadOnlyList<SearchHit>> SearchAsync(float[] query, int k, ImageFilter filter, CancellationToken cancellationToken = default);

    Task<long> CountAsync(CancellationToken cancellationToken = default);

    Task<StoredImage?> FindAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>An image whose bytes hash to <paramref name="sha256"/>, or null.</summary>
    Task<StoredImage?> FindBySha256Async(string sha256, CancellationToken cancellationToken = default);

    /// <summary>A page of the collection in id order.</summary>
    Task<IReadOnlyList<StoredImage>> ListAsync(int offset, int limit, CancellationToken cancellationToken = default);

    /// <summary>The stored vector of image <paramref name="id"/>, bit for bit as written, or null when there is no such image.</summary>
    Task<float[]?> ReadVectorAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes a batch: a new source gets a new id (or the one its <see cref="ImageRecord.Keep"/> says, with that added
    /// time), a known source keeps its id and gets the new fingerprint and vector.
    /// </summary>
    /// <exception cref="InvalidOperationException">A record's kept id is taken by another source, or its source has another id here.</exception>
    Task<IReadOnlyList<(long Id, WriteOutcome Outcome)>> WriteBatchAsync(IReadOnlyList<ImageRecord> records, CancellationToken cancellationToken = default);

    /// <summary>Removes an image with its vector; false when there was no such image.</summary>
    Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default);

    /// <summary>Makes sure no id up to <paramref name="highWaterMark"/> is ever handed out to a new image here.</summary>
    Task ReserveIdsUpToAsync(long highWaterMark, CancellationToken cancellationToken = default);

    /// <summary>Records a new size/modification time for a file whose content hash did not change.</summary>
    Task TouchAsync(string source, long sizeBytes, DateTimeOffset modified, CancellationToken cancellationToken = default);

    /// <summary>The collection's change version: it grows with every committed write, so a cache made at one version is stale at a higher one.</summary>
    Task<long> ReadVersionAsync(CancellationToken cancellationToken = default);

    /// <summary>Bytes the collection takes on disk where the store can say (the SQLite file and its log), else null.</summary>
    long? StorageBytes { get; }

    /// <summary>Whether the store answers now (one cheap round trip); never throws for an unreachable store.</summary>
    Task<bool> PingAsync(CancellationToken cancellationToken = default);
}
