namespace ImageFinder.Api.Labels;

/// <summary>One label and how many images have it.</summary>
public sealed record LabelCount(string Label, int Count);
