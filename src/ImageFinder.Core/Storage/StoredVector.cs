namespace ImageFinder.Storage;

/// <summary>One stored image with its vector, for whole-collection analyses (evaluation, near-duplicates).</summary>
public sealed record StoredVector(long Id, string Source, int Width, int Height, float[] Vector);
