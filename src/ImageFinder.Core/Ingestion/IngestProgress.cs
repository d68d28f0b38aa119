namespace ImageFinder.Ingestion;

/// <summary>Running counts of an ingest job, reported after every file.</summary>
public sealed record IngestProgress(int Total, int Added, int Updated, int Unchanged, int Failed, string? LastFile, IngestFailure? NewFailure = null)
{
    public int Done => Added + Updated + Unchanged + Failed;
}
