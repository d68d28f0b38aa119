namespace ImageFinder.Storage;

/// <summary>One nearest neighbour: the image id, its distance to the query, and where it came from.</summary>
public readonly record struct SearchHit(long Id, float Distance, string Source);
