namespace ImageFinder.Ingestion;

/// <summary>What an ingest job did.</summary>
public sealed record IngestSummary(int Added, int Updated, int Unchanged, IReadOnlyList<IngestFailure> Failures, TimeSpan Elapsed)
{
    public int Failed => Failures.Count;

    /// <summary>Images embedded (added or updated) per second of the whole job.</summary>
    public double ImagesPerSecond => Elapsed.TotalSeconds > 0 ? (Added + Updated) / Elapsed.TotalSeconds : 0;
}
