using ImageFinder.Mapping;

namespace ImageFinder.Api.Map;

/// <summary>What <see cref="CollectionMaps"/> has for a request: a map, a computation still running, or a failure.</summary>
public sealed record MapLookup(CollectionMap? Map, string? Error)
{
    public bool Computing => Map is null && Error is null;
}
