namespace ImageFinder.Storage;

/// <summary>
/// An embedded image ready to be written: its source, fingerprint, size and vector. <see cref="Keep"/> is set when
/// the image comes from another collection (a re-index) and must keep its id and added time there.
/// </summary>
public sealed record ImageRecord(
    string Source,
    string Sha256,
    long SizeBytes,
    DateTimeOffset Modified,
    int Width,
    int Height,
    float[] Embedding,
    KeptIdentity? Keep = null);
