using System.ComponentModel.DataAnnotations;
using ImageFinder.Storage;

namespace ImageFinder.Api.Health;

/// <summary>Readiness and what is loaded.</summary>
/// <param name="Status">"ready", "loading", "failed", or "unavailable" (loaded, but the store does not answer).</param>
/// <param name="Model">The model's name; the bundled test model says "NOT ResNet-50" in it.</param>
/// <param name="ModelDescription">The model card's description.</param>
/// <param name="Dimension">Embedding dimension.</param>
/// <param name="Images">Images in the collection.</param>
/// <param name="Error">After a failed start-up, or while the store does not answer, a fixed sentence that points to the server log, where the reason is (never sent here).</param>
/// <param name="Store">The store in use once loaded: <c>sqlite</c> or <c>garnet</c>.</param>
/// <param name="StoreReachable">Whether the store answered this check.</param>
public sealed record HealthResponse(
    [property: AllowedValues(HealthResponse.Ready, HealthResponse.Loading, HealthResponse.Failed, HealthResponse.Unavailable)] string Status,
    string? Model,
    string? ModelDescription,
    int? Dimension,
    long? Images,
    string? Error,
    [property: AllowedValues(StoreKinds.Sqlite, StoreKinds.Garnet)] string? Store,
    bool? StoreReachable)
{
    /// <summary>The model is loaded and the store answers (200).</summary>
    public const string Ready = "ready";

    /// <summary>The model and store are still being opened (503).</summary>
    public const string Loading = "loading";

    /// <summary>Start-up failed; the reason is in the server log (503).</summary>
    public const string Failed = "failed";

    /// <summary>Loaded, but the store does not answer (503).</summary>
    public const string Unavailable = "unavailable";
}
