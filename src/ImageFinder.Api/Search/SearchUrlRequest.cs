namespace ImageFinder.Api.Search;

/// <summary>The body of <c>POST /search/url</c>.</summary>
/// <param name="Url">An http or https URL of the query image.</param>
/// <param name="K">How many results (1..MaxK, default 3).</param>
/// <param name="MaxDistance">Drop results farther than this.</param>
public sealed record SearchUrlRequest(string? Url, int? K = null, float? MaxDistance = null) : IKnnParameters;
