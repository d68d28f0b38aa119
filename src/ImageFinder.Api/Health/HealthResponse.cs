namespace ImageFinder.Api.Health;

/// <summary>Readiness and what is loaded.</summary>
/// <param name="Status">"ready", "loading" or "failed".</param>
/// <param name="Model">The model's name; the bundled test model says "NOT ResNet-50" in it.</param>
/// <param name="ModelDescription">The model card's description.</param>
/// <param name="Dimension">Embedding dimension.</param>
/// <param name="Images">Images in the collection.</param>
/// <param name="Error">After a failed start-up, a fixed sentence that points to the server log, where the reason is (never sent here).</param>
public sealed record HealthResponse(string Status, string? Model, string? ModelDescription, int? Dimension, long? Images, string? Error);
