namespace ImageFinder.Ingestion;

/// <summary>Tuning for the ingest pipeline.</summary>
public sealed record IngestOptions
{
    /// <summary>Threads reading and decoding files while the model runs; default: one per core.</summary>
    public int DecodeWorkers { get; init; } = Environment.ProcessorCount;

    /// <summary>Images per database transaction.</summary>
    public int WriteBatchSize { get; init; } = 64;

    /// <summary>Files larger than this are reported as failed without being read.</summary>
    public long MaxFileBytes { get; init; } = 100L * 1024 * 1024;
}
