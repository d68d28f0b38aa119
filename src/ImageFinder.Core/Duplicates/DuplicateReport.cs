namespace ImageFinder.Duplicates;

/// <summary>
/// The near-duplicate groups of a collection: <see cref="MaxDistance"/> is the threshold used, in the collection's
/// <see cref="Metric"/> (<see cref="DefaultThreshold"/> tells whether it was the default); <see cref="Images"/> is how
/// many images were compared. Largest groups first.
/// </summary>
public sealed record DuplicateReport(string Metric, float MaxDistance, bool DefaultThreshold, int Images, IReadOnlyList<DuplicateGroup> Groups);
