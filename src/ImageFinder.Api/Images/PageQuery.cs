using System.ComponentModel;
using Microsoft.AspNetCore.Mvc;

namespace ImageFinder.Api.Images;

/// <summary>A page of the collection: <c>offset</c> images skipped, <c>limit</c> returned (bound with <c>[AsParameters]</c>; checked by <see cref="ValidatePage"/>).</summary>
/// <remarks>The properties' <c>DefaultValue</c> repeats the defaults for the OpenAPI document, which does not read them from the constructor.</remarks>
public sealed record PageQuery(
    [FromQuery(Name = "offset")][property: DefaultValue(0)] int Offset = 0,
    [FromQuery(Name = "limit")][property: DefaultValue(50)] int Limit = 50);
