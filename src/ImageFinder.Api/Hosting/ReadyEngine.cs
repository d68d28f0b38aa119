using ImageFinder.Search;

namespace ImageFinder.Api.Hosting;

/// <summary>
/// The loaded engine, for handlers. Their route groups carry the <see cref="RequireEngine"/> filter, which answers
/// 503 when a handler asks for <see cref="Search"/> before the engine is ready, so a handler never checks readiness.
/// </summary>
public sealed class ReadyEngine(EngineLoader loader)
{
    /// <summary>The model and the collection, loaded.</summary>
    /// <exception cref="EngineNotReadyException">Still loading, or start-up failed (<see cref="RequireEngine"/> answers 503).</exception>
    public ImageSearch Search => loader.Search ?? throw new EngineNotReadyException(loader.State == EngineState.Failed);
}
