using ImageFinder.Api.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ImageFinder.Api.Health;

/// <summary>Readiness of the engine: healthy once the model and the collection are loaded; unhealthy while loading and after a failed start.</summary>
public sealed class EngineHealthCheck(EngineLoader loader) : IHealthCheck
{
    public const string Name = "engine";

    /// <summary>The key of the result's data that holds the <see cref="EngineState"/> it saw.</summary>
    public const string StateKey = "state";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var state = loader.State;
        var data = new Dictionary<string, object> { [StateKey] = state };
        return Task.FromResult(state switch
        {
            EngineState.Ready => HealthCheckResult.Healthy("The model and the collection are loaded.", data),
            EngineState.Failed => HealthCheckResult.Unhealthy("The engine failed to start; the reason is in the log.", data: data),
            _ => HealthCheckResult.Unhealthy("The model and the collection are still loading.", data: data),
        });
    }
}
