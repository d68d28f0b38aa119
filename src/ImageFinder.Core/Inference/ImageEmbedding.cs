using ImageFinder.Imaging;

namespace ImageFinder.Inference;

/// <summary>
/// An image's embedding, the size its header declared, and where the time went: <paramref name="Decode"/> is
/// decoding and preprocessing (after waiting for a decode slot), <paramref name="Inference"/> is from joining
/// the inference queue to having the vector (waiting for a batch included).
/// </summary>
public sealed record ImageEmbedding(float[] Vector, ImageSize Size, TimeSpan Decode, TimeSpan Inference);
