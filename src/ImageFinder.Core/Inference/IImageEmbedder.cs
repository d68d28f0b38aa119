using ImageFinder.Imaging;

namespace ImageFinder.Inference;

/// <summary>Turns images into embedding vectors with a CNN.</summary>
public interface IImageEmbedder
{
    EmbeddingModel Model { get; }

    /// <summary>The decoder and preprocessing the model expects.</summary>
    ImagePreprocessor Preprocessor { get; }

    /// <summary>Whether <see cref="EmbedAsync"/> would shed a request now (a cheap check before reading an upload at all).</summary>
    bool IsBusy { get; }

    /// <summary>Decodes and preprocesses <paramref name="encoded"/> on the calling thread, then infers it (batched with concurrent callers).</summary>
    /// <exception cref="ImageDecodeException">The bytes are not a usable image.</exception>
    /// <exception cref="InferenceBusyException">Too many images are waiting for inference.</exception>
    Task<ImageEmbedding> EmbedAsync(ReadOnlyMemory<byte> encoded, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs other decoding work (a thumbnail) on the calling thread under the same decode slots and admission limit as
    /// <see cref="EmbedAsync"/>, so it competes fairly with searches and is shed the same way when they are saturated.
    /// </summary>
    /// <exception cref="InferenceBusyException">As many requests as the queue holds are already decoding or waiting.</exception>
    Task<T> DecodeAsync<T>(Func<T> decode, CancellationToken cancellationToken = default);

    /// <summary>Infers one tensor made by <see cref="Preprocessor"/>; the caller keeps ownership of it.</summary>
    Task<float[]> InferAsync(float[] tensor, CancellationToken cancellationToken = default);
}
