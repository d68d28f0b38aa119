using System.ComponentModel.DataAnnotations;
using ImageFinder.Duplicates;
using ImageFinder.Storage;

namespace ImageFinder.Api.Duplicates;

/// <summary>
/// The near-duplicate groups of the collection, largest first. <c>maxDistance</c> is the threshold used, in the
/// collection's <c>metric</c>; <c>defaultThreshold</c> says whether it was the default; <c>images</c> is how many were compared.
/// </summary>
public sealed record DuplicatesResponse(string Model, [property: AllowedValues(CollectionInfo.L2, CollectionInfo.Cosine, CollectionInfo.L1)] string Metric, float MaxDistance, bool DefaultThreshold, int Images, IReadOnlyList<DuplicateGroup> Groups);
