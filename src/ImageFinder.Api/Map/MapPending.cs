using System.ComponentModel.DataAnnotations;

namespace ImageFinder.Api.Map;

/// <summary>The 202 answer while a map is being computed: ask again after <c>Retry-After</c> seconds.</summary>
/// <param name="Status">Always <c>computing</c>.</param>
/// <param name="Method"><c>pca</c> or <c>tsne</c>.</param>
/// <param name="Dimensions">2 or 3.</param>
/// <param name="Detail">What is going on and when to ask again.</param>
public sealed record MapPending(
    [property: AllowedValues(MapPending.Computing)] string Status,
    [property: AllowedValues(MapResponse.Pca, MapResponse.Tsne)] string Method,
    int Dimensions,
    string Detail)
{
    /// <summary>The <see cref="Status"/> of a map still being computed.</summary>
    public const string Computing = "computing";
}
