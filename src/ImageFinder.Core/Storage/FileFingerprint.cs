namespace ImageFinder.Storage;

/// <summary>What the ingest job compares to decide whether a file changed: size, modification time, content hash.</summary>
public readonly record struct FileFingerprint(long Id, long SizeBytes, DateTimeOffset Modified, string Sha256);
