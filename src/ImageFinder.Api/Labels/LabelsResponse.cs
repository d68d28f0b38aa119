namespace ImageFinder.Api.Labels;

/// <summary>The labels of the collection: what the <c>label</c> filter of a search can pick from.</summary>
/// <param name="Labels">Every label (the folder an image is in) with its number of images, ordered by label.</param>
/// <param name="Unlabelled">Images with no folder, which a label filter never matches.</param>
public sealed record LabelsResponse(IReadOnlyList<LabelCount> Labels, int Unlabelled);
