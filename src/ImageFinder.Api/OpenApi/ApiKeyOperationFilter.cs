using ImageFinder.Api.Security;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace ImageFinder.Api.OpenApi;

/// <summary>Marks the endpoints that need <c>X-Api-Key</c>, so Swagger UI sends the key it was given ("Authorize").</summary>
public sealed class ApiKeyOperationFilter : IOperationFilter
{
    public const string SchemeName = "ApiKey";

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<ApiKeyRequirement.Metadata>().Any())
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, context.Document)] = [] }];
        }
    }
}
