namespace ImageFinder.Evaluation;

/// <summary>
/// How often (<see cref="Count"/>) an image of <see cref="Label"/> had an image of <see cref="ConfusedWith"/> as its
/// nearest neighbour; <see cref="Share"/> is that count over the images of <see cref="Label"/>.
/// </summary>
public sealed record ClassConfusion(string Label, string ConfusedWith, int Count, double Share);
