using ImageFinder.Imaging;

namespace ImageFinder.Inference;

/// <summary>An image's embedding and the size its header declared.</summary>
public sealed record ImageEmbedding(float[] Vector, ImageSize Size);
