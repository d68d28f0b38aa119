using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;

namespace ImageFinder.Api.Search;

/// <summary>The answer for one file of <c>POST /search/batch</c>: what <c>POST /search</c> would have answered for it alone.</summary>
/// <param name="Position">The file's place among the request's <c>file</c> parts, from 0.</param>
/// <param name="FileName">The file name the client sent, if any.</param>
/// <param name="Status">200 when <paramref name="Answer"/> is set; otherwise the status of <paramref name="Problem"/> (400, 413, 500).</param>
/// <param name="Answer">The search's answer, as <c>POST /search</c> gives it; null when the file is not a usable image.</param>
/// <param name="Problem">Why the file could not be searched (the ProblemDetails <c>POST /search</c> would answer); null on success.</param>
/// <param name="Timings">Where the server spent this file's time; null when it was not searched.</param>
/// <remarks>An item holds either <paramref name="Answer"/> and <paramref name="Timings"/> or <paramref name="Problem"/>: the other fields are left out of the JSON, not written as null.</remarks>
public sealed record BatchSearchItem(
    int Position,
    string? FileName,
    int Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SearchResponse? Answer,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ProblemDetails? Problem,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] SearchTimings? Timings);
