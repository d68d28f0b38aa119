namespace ImageFinder.Storage;

/// <summary>An embedded image ready to be written: its source, fingerprint, size and vector.</summary>
public sealed record ImageRecord(
    string Source,
    string Sha256,
    long SizeBytes,
    DateTimeOffset Modified,
    int Width,
    int Height,
    float[] Embedding);
