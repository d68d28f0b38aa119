using ImageFinder.Storage;

namespace ImageFinder.Ingestion;

/// <summary>
/// A candidate file: absolute path, size and last write time, as the scanner found it. <see cref="Keep"/> is set by
/// a re-index: the image keeps the id and added time it has in the collection it comes from.
/// </summary>
public sealed record ImageFile(string Path, long SizeBytes, DateTimeOffset Modified, KeptIdentity? Keep = null);
