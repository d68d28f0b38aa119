namespace ImageFinder.Bench;

/// <summary>
/// How many repetitions and how long each measurement runs. <see cref="Full"/> gives the reference figures;
/// <see cref="Quick"/> checks that the harness works, in a few minutes.
/// </summary>
internal sealed record BenchEffort
{
    public static BenchEffort Full { get; } = new()
    {
        Name = "full",
        Repeats = 3,
        BareSecondsPerRepeat = 4,
        Batch1Runs = 30,
        IngestSeconds = 15,
        DecodeRuns = 100,
        HttpWarmupRequests = 10,
        HttpSingleClientRequests = 100,
        HttpSingleClientSeconds = 10,
        HttpConcurrentSeconds = 20,
        KnnQueries = 100,
        KnnQueriesAboveOneHundredThousand = 30,
        MemoryIngestImages = 256,
        PeersIngestImages = 256,
        PeersRepeats = 2,
        GarnetQueries = 200,
        GarnetExactQueries = 20,
        GarnetHttpRequests = 100,
    };

    public static BenchEffort Quick { get; } = new()
    {
        Name = "quick",
        Repeats = 1,
        BareSecondsPerRepeat = 1,
        Batch1Runs = 10,
        IngestSeconds = 2,
        DecodeRuns = 30,
        HttpWarmupRequests = 3,
        HttpSingleClientRequests = 20,
        HttpSingleClientSeconds = 2,
        HttpConcurrentSeconds = 4,
        KnnQueries = 20,
        KnnQueriesAboveOneHundredThousand = 10,
        MemoryIngestImages = 48,
        PeersIngestImages = 48,
        PeersRepeats = 1,
        GarnetQueries = 30,
        GarnetExactQueries = 5,
        GarnetHttpRequests = 20,
    };

    public required string Name { get; init; }

    /// <summary>Side-by-side repetitions of bare inference and ingest (section 1); figures are medians over them.</summary>
    public required int Repeats { get; init; }

    /// <summary>Length of one bare ONNX Runtime throughput measurement.</summary>
    public required double BareSecondsPerRepeat { get; init; }

    /// <summary>Timed batch-1 runs for the latency figure.</summary>
    public required int Batch1Runs { get; init; }

    /// <summary>The ingest folders hold about this many seconds of work (from the measured bare rate).</summary>
    public required double IngestSeconds { get; init; }

    /// <summary>Timed decode + preprocess runs per image size (at least 30 for a p90).</summary>
    public required int DecodeRuns { get; init; }

    public required int HttpWarmupRequests { get; init; }

    /// <summary>The single client sends at least this many requests…</summary>
    public required int HttpSingleClientRequests { get; init; }

    /// <summary>…and runs at least this long.</summary>
    public required double HttpSingleClientSeconds { get; init; }

    /// <summary>Length of the 8-client run.</summary>
    public required double HttpConcurrentSeconds { get; init; }

    /// <summary>Timed KNN queries per method, for N up to 100,000.</summary>
    public required int KnnQueries { get; init; }

    /// <summary>Timed KNN queries per method above 100,000 vectors (each exact scan is slow).</summary>
    public required int KnnQueriesAboveOneHundredThousand { get; init; }

    /// <summary>640x480 images the CLI ingests while its peak memory is recorded.</summary>
    public required int MemoryIngestImages { get; init; }

    /// <summary>640x480 images each stack of the peers section ingests per run.</summary>
    public required int PeersIngestImages { get; init; }

    /// <summary>Rounds of the peers section (each: the three ingests and the two APIs, in alternating order).</summary>
    public required int PeersRepeats { get; init; }

    /// <summary>Timed KNN queries of the garnet section per method (Garnet at each ef, the in-memory index).</summary>
    public required int GarnetQueries { get; init; }

    /// <summary>Of those, how many sqlite-vec's exact scan also answers (about 0.3 s each at 100,000 vectors).</summary>
    public required int GarnetExactQueries { get; init; }

    /// <summary>Timed /search requests of the garnet section per API (after the warm-up requests).</summary>
    public required int GarnetHttpRequests { get; init; }

    public int KnnQueriesFor(int vectorCount) => vectorCount > 100_000 ? KnnQueriesAboveOneHundredThousand : KnnQueries;
}
