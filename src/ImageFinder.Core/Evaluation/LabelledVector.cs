namespace ImageFinder.Evaluation;

/// <summary>An image of a labelled set: its class and its embedding.</summary>
public sealed record LabelledVector(string Label, float[] Vector, string Source = "");
