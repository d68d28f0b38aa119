namespace ImageFinder.Api.Search;

/// <summary>
/// Where the server spent one query image's time, in milliseconds: what the <c>Server-Timing</c> header of
/// <c>POST /search</c> says, per file of a batch.
/// </summary>
/// <param name="DecodeMs">Decoding and preprocessing the image (after waiting for a decode slot).</param>
/// <param name="InferenceMs">From the batch's images joining the inference queue to this image's vector.</param>
/// <param name="KnnMs">The nearest-neighbour search.</param>
public sealed record SearchTimings(double DecodeMs, double InferenceMs, double KnnMs);
