namespace ImageFinder.Duplicates;

/// <summary>Images linked by distances within the threshold; the first is the largest (most pixels), the one to keep.</summary>
public sealed record DuplicateGroup(IReadOnlyList<DuplicateImage> Images);
