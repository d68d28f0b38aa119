using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace ImageFinder.Api.Map;

/// <summary>
/// Every stored embedding laid out in 2 or 3 dimensions. It has every member of the 202 answer (MapPending: only
/// <c>status</c> <c>computing</c>, <c>method</c>, <c>dimensions</c> and <c>detail</c>), so the OpenAPI document gives both
/// answers this schema, and a generated client reads either as one type.
/// </summary>
/// <param name="Status"><c>ready</c> here; <c>computing</c> in the 202 answer.</param>
/// <param name="Method"><c>pca</c> or <c>tsne</c>.</param>
/// <param name="Dimensions">2 or 3.</param>
/// <param name="Version">The collection version the map was computed from; a write to the collection makes a new map.</param>
/// <param name="Total">Images in the collection.</param>
/// <param name="Sampled">True when the collection has more images than a map holds (50,000) and the points are a seeded random sample.</param>
/// <param name="ExplainedVariance">PCA only: the share of the total variance along each axis.</param>
/// <param name="Points">One per image (or per sampled image), in id order.</param>
/// <param name="Detail">Only in the 202 answer: what is going on and when to ask again.</param>
public sealed record MapResponse(
    [property: AllowedValues(MapResponse.Ready, MapPending.Computing)] string Status,
    [property: AllowedValues(MapResponse.Pca, MapResponse.Tsne)] string Method,
    int Dimensions,
    long Version,
    int Total,
    bool Sampled,
    IReadOnlyList<float> ExplainedVariance,
    IReadOnlyList<MapPointResponse> Points,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Detail = null)
{
    /// <summary>The <see cref="Status"/> of a computed map.</summary>
    public const string Ready = "ready";

    /// <summary>The <see cref="Method"/> of a principal component map.</summary>
    public const string Pca = "pca";

    /// <summary>The <see cref="Method"/> of a t-SNE map.</summary>
    public const string Tsne = "tsne";
}
