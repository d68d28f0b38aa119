namespace ImageFinder.Storage;

/// <summary>One stored image with everything the store keeps of it: its row and its vector (for whole-collection reads and migrations).</summary>
public sealed record StoredEntry(StoredImage Image, float[] Vector);
