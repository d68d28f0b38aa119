namespace ImageFinder.Api.Hosting;

/// <summary>Where the search engine is in its start-up.</summary>
public enum EngineState
{
    Loading,
    Ready,
    Failed,
}
