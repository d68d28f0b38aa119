using Microsoft.AspNetCore.Mvc;

namespace ImageFinder.Api.Search;

/// <summary>
/// The filters as query parameters (bound with <c>[AsParameters]</c>). On <c>POST /search</c> the form fields of the
/// same names fill in what the query string does not give (<see cref="ValidateFilterParameters"/>).
/// </summary>
public sealed class FilterQuery : IFilterParameters
{
    [FromQuery(Name = "label")]
    public string[]? Label { get; set; }

    [FromQuery(Name = "addedAfter")]
    public DateTimeOffset? AddedAfter { get; set; }

    [FromQuery(Name = "addedBefore")]
    public DateTimeOffset? AddedBefore { get; set; }

    [FromQuery(Name = "minWidth")]
    public int? MinWidth { get; set; }

    [FromQuery(Name = "minHeight")]
    public int? MinHeight { get; set; }

    IReadOnlyList<string>? IFilterParameters.Label => Label;
}
