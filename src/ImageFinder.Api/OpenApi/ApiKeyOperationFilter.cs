using ImageFinder.Api.Hosting;
using ImageFinder.Api.Security;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace ImageFinder.Api.OpenApi;

/// <summary>
/// Says on every operation whether it needs <c>X-Api-Key</c>, so Swagger UI sends the key it was given ("Authorize") and
/// generated clients know when to send it: the endpoints that change the collection always, reads only when
/// ImageFinder:ProtectReads is on; the others say explicitly that they need nothing (an empty <c>security</c>).
/// </summary>
public sealed class ApiKeyOperationFilter(IOptions<ApiOptions> api) : IOperationFilter
{
    public const string SchemeName = "ApiKey";

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var requirements = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<ApiKeyRequirement.Metadata>().ToList();
        var needsKey = requirements.Any(r => r.Always) || (requirements.Count > 0 && api.Value.ProtectReads);
        operation.Security = needsKey
            ? [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, context.Document)] = [] }]
            : [];
    }
}
