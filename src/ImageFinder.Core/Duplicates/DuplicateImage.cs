namespace ImageFinder.Duplicates;

/// <summary>A member of a near-duplicate group; <see cref="Distance"/> is its distance to the group's first image.</summary>
public sealed record DuplicateImage(long Id, string Source, int Width, int Height, float Distance);
