namespace ImageFinder.Inference;

/// <summary>The loaded model as users see it: name (shown in every response), description, dimension, file.</summary>
public sealed record EmbeddingModel(string Name, string? Description, int Dimension, string Path);
