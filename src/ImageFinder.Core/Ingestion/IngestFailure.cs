namespace ImageFinder.Ingestion;

/// <summary>A file the job could not ingest, and why.</summary>
public sealed record IngestFailure(string Path, string Reason);
