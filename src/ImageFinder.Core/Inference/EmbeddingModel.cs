namespace ImageFinder.Inference;

/// <summary>
/// The loaded model as users see it: name (shown in every response), description, dimension, file, and the
/// SHA-256 of that file (lower-case hex), which a database records so vectors of two different files never mix.
/// </summary>
public sealed record EmbeddingModel(string Name, string? Description, int Dimension, string Path, string Sha256);
