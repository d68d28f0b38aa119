using ImageFinder.Duplicates;

namespace ImageFinder.Api.Duplicates;

/// <summary>
/// The near-duplicate groups of the collection, largest first. <c>maxDistance</c> is the threshold used, in the
/// collection's <c>metric</c>; <c>defaultThreshold</c> says whether it was the default; <c>images</c> is how many were compared.
/// </summary>
public sealed record DuplicatesResponse(string Model, string Metric, float MaxDistance, bool DefaultThreshold, int Images, IReadOnlyList<DuplicateGroup> Groups);
