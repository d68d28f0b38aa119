using ImageFinder.Api.Hosting;
using ImageFinder.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ImageFinder.Api.Health;

/// <summary>
/// Readiness of the store: healthy when it answers a ping (<see cref="IImageStore.PingAsync"/>) and a count, which the
/// result's data carries (and the collection gauge remembers); unhealthy when it does not answer (a Garnet node down),
/// with the reason in the log, or while the engine has not opened it yet.
/// </summary>
public sealed class StoreHealthCheck(EngineLoader loader, ILogger<StoreHealthCheck> logger) : IHealthCheck
{
    public const string Name = "store";

    /// <summary>The key of the result's data that holds the number of images.</summary>
    public const string ImagesKey = "images";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (loader.Search is not { } search)
        {
            return HealthCheckResult.Unhealthy("The store is not open yet.");
        }

        var store = search.Store;
        try
        {
            if (await store.PingAsync(cancellationToken))
            {
                var images = await search.CollectionSize.CountAsync(cancellationToken);
                return HealthCheckResult.Healthy($"The {store.Kind} store answers.", new Dictionary<string, object> { [ImagesKey] = images });
            }
        }
        catch (StoreUnavailableException e)
        {
            logger.LogWarning("Health: the {Store} store does not answer: {Message} ({Cause})", store.Kind, e.Message, e.InnerException?.Message ?? "-");
        }

        return HealthCheckResult.Unhealthy($"The {store.Kind} store does not answer.");
    }
}
