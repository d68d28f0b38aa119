namespace ImageFinder.Inference;

/// <summary>How to load and run the embedding model.</summary>
public sealed record EmbedderOptions
{
    /// <summary>The ONNX model; its card is the <c>.json</c> file beside it.</summary>
    public required string ModelPath { get; init; }

    /// <summary>ONNX Runtime intra-op threads; default: one per core.</summary>
    public int IntraOpThreads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// ONNX Runtime sessions of the model that run batches side by side, each with <see cref="IntraOpThreads"/> threads;
    /// default one. On a CPU, one run on all cores has the lowest latency (a lone API request), while one
    /// single-threaded session per core has the highest throughput (an ingest job): no run waits for the slowest
    /// thread of each operator. The sessions share their prepacked weights.
    /// </summary>
    public int Sessions { get; init; } = 1;

    /// <summary>Whether idle ONNX Runtime threads busy-wait (see <see cref="OnnxSession.Load"/>); off by default.</summary>
    public bool AllowSpinning { get; init; }

    /// <summary>Most images in one ONNX Runtime run.</summary>
    public int MaxBatchSize { get; init; } = 8;

    /// <summary>Most preprocessed images waiting for inference; <see cref="OnnxImageEmbedder.EmbedAsync"/> callers waiting for a decode slot count too.</summary>
    public int QueueCapacity { get; init; } = 64;

    /// <summary>
    /// Most images decoded at once by <see cref="OnnxImageEmbedder.EmbedAsync"/>; default: one per core. Decoding is
    /// CPU-bound, so more would not be faster, and one decode can briefly take hundreds of MB (a progressive
    /// JPEG near the pixel limit keeps all its coefficients), so this bounds the memory of concurrent requests.
    /// </summary>
    public int DecodeConcurrency { get; init; } = Environment.ProcessorCount;

    /// <summary>Largest width × height accepted, checked from the header before decoding.</summary>
    public long MaxImagePixels { get; init; } = 100_000_000;
}
