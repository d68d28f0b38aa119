using Microsoft.AspNetCore.Mvc;

namespace ImageFinder.Api.Search;

/// <summary>
/// <c>k</c> and <c>maxDistance</c> as query parameters (bound with <c>[AsParameters]</c>). On <c>POST /search</c> the
/// form fields of the same names fill in what the query string does not give (<see cref="ValidateKnnParameters"/>).
/// </summary>
public sealed class KnnQuery : IKnnParameters
{
    /// <summary>How many results (1..MaxK; default DefaultK, 3).</summary>
    [FromQuery(Name = "k")]
    public int? K { get; set; }

    /// <summary>Drop results farther than this (0 or more, in the collection's metric); <c>match</c> is false when none is left.</summary>
    [FromQuery(Name = "maxDistance")]
    public float? MaxDistance { get; set; }
}
