using System.Text.Json.Serialization;

namespace ImageFinder.Api.Map;

/// <summary>One image on the map.</summary>
/// <param name="Id">The image's id (the <c>index</c> of search results).</param>
/// <param name="Label">The name of the folder its source file is in; null when it has none.</param>
/// <param name="X">First coordinate.</param>
/// <param name="Y">Second coordinate.</param>
/// <param name="Z">Third coordinate, only on 3D maps.</param>
public sealed record MapPointResponse(
    long Id,
    string? Label,
    float X,
    float Y,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] float? Z);
