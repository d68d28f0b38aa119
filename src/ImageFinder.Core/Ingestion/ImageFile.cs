namespace ImageFinder.Ingestion;

/// <summary>A candidate file found by the scanner: absolute path, size and last write time.</summary>
public sealed record ImageFile(string Path, long SizeBytes, DateTimeOffset Modified);
