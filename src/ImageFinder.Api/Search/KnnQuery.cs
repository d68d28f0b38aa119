using Microsoft.AspNetCore.Mvc;

namespace ImageFinder.Api.Search;

/// <summary>
/// <c>k</c> and <c>maxDistance</c> as query parameters (bound with <c>[AsParameters]</c>). On <c>POST /search</c> the
/// form fields of the same names fill in what the query string does not give (<see cref="ValidateKnnParameters"/>).
/// </summary>
public sealed class KnnQuery : IKnnParameters
{
    [FromQuery(Name = "k")]
    public int? K { get; set; }

    [FromQuery(Name = "maxDistance")]
    public float? MaxDistance { get; set; }
}
