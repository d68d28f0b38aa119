namespace ImageFinder.Api.Hosting;

/// <summary>A handler asked <see cref="ReadyEngine"/> for the engine while it was loading, or after it failed to start.</summary>
public sealed class EngineNotReadyException(bool failed)
    : InvalidOperationException(failed ? "The search engine failed to start." : "The search engine is still loading.")
{
    /// <summary>Start-up failed (rather than: still loading).</summary>
    public bool Failed { get; } = failed;
}
