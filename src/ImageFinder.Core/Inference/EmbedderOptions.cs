namespace ImageFinder.Inference;

/// <summary>How to load and run the embedding model.</summary>
public sealed record EmbedderOptions
{
    /// <summary>The ONNX model; its card is the <c>.json</c> file beside it.</summary>
    public required string ModelPath { get; init; }

    /// <summary>ONNX Runtime intra-op threads; default: one per core.</summary>
    public int IntraOpThreads { get; init; } = Environment.ProcessorCount;

    /// <summary>Whether idle ONNX Runtime threads busy-wait (see <see cref="OnnxSession.Load"/>); off by default.</summary>
    public bool AllowSpinning { get; init; }

    /// <summary>Most images in one ONNX Runtime run.</summary>
    public int MaxBatchSize { get; init; } = 8;

    /// <summary>Most preprocessed images waiting for inference.</summary>
    public int QueueCapacity { get; init; } = 64;

    /// <summary>Largest width × height accepted, checked from the header before decoding.</summary>
    public long MaxImagePixels { get; init; } = 100_000_000;
}
