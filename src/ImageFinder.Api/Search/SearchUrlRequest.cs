namespace ImageFinder.Api.Search;

/// <summary>The body of <c>POST /search/url</c>.</summary>
/// <param name="Url">An http or https URL of the query image.</param>
/// <param name="K">How many results (1..MaxK, default 3).</param>
/// <param name="MaxDistance">Drop results farther than this.</param>
/// <param name="Label">Only images in any of these folders (labels).</param>
/// <param name="AddedAfter">Only images added at or after this instant (ISO 8601).</param>
/// <param name="AddedBefore">Only images added before this instant (ISO 8601).</param>
/// <param name="MinWidth">Only images at least this many pixels wide.</param>
/// <param name="MinHeight">Only images at least this many pixels high.</param>
public sealed record SearchUrlRequest(
    string? Url,
    int? K = null,
    float? MaxDistance = null,
    IReadOnlyList<string>? Label = null,
    DateTimeOffset? AddedAfter = null,
    DateTimeOffset? AddedBefore = null,
    int? MinWidth = null,
    int? MinHeight = null) : IKnnParameters, IFilterParameters;
