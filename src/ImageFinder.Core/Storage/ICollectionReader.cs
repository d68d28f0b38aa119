namespace ImageFinder.Storage;

/// <summary>What a collection can be copied from: its kind of vectors, its images with their vectors, and the ids it has used.</summary>
public interface ICollectionReader
{
    /// <summary>Where the collection lives, for logs and messages.</summary>
    string Location { get; }

    /// <summary>The model, dimension and distance metric of the stored vectors.</summary>
    CollectionInfo Collection { get; }

    /// <summary>Every stored source with its id and fingerprint.</summary>
    Task<Dictionary<string, FileFingerprint>> LoadFingerprintsAsync(CancellationToken cancellationToken = default);

    /// <summary>Every image with its vector, in id order, streamed.</summary>
    IAsyncEnumerable<StoredEntry> ReadAllAsync(CancellationToken cancellationToken = default);

    /// <summary>The highest id the collection has ever handed out, deleted images included.</summary>
    Task<long> ReadIdHighWaterMarkAsync(CancellationToken cancellationToken = default);
}
