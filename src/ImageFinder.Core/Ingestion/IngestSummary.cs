namespace ImageFinder.Ingestion;

/// <summary>What an ingest job did.</summary>
public sealed record IngestSummary(int Added, int Updated, int Unchanged, IReadOnlyList<IngestFailure> Failures, TimeSpan Elapsed)
{
    public int Failed => Failures.Count;

    /// <summary>Images removed because their file under the ingested folder is gone (only when pruning).</summary>
    public int Removed { get; init; }

    /// <summary>Images embedded (added or updated) per second of the whole job.</summary>
    public double ImagesPerSecond => Elapsed.TotalSeconds > 0 ? (Added + Updated) / Elapsed.TotalSeconds : 0;
}
