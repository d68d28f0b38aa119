using ImageFinder.Imaging;

namespace ImageFinder.Inference;

/// <summary>One image of <see cref="OnnxImageEmbedder.EmbedBatchAsync"/>: its embedding, or why it has none (it is not a usable image).</summary>
/// <param name="Embedding">Null when <paramref name="Failure"/> is set.</param>
/// <param name="Failure">Null when the image was embedded.</param>
public sealed record EmbeddingOutcome(ImageEmbedding? Embedding, ImageDecodeException? Failure)
{
    public static EmbeddingOutcome Embedded(ImageEmbedding embedding) => new(embedding, null);

    public static EmbeddingOutcome Failed(ImageDecodeException failure) => new(null, failure);
}
