using ImageFinder.Mapping;

namespace ImageFinder.Api.Map;

/// <summary>
/// What <see cref="CollectionMaps"/> has for a request: a map, a computation still running, or a failure. A failure
/// carries no text: its cause (often SQLite's or the native libraries' own message) is in the service's log, and the
/// computation is shared by every request waiting for it, so its message is nobody's answer.
/// </summary>
public sealed record MapLookup(CollectionMap? Map, bool Failed)
{
    public bool Computing => Map is null && !Failed;
}
