using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace ImageFinder.Api.OpenApi;

/// <summary>
/// The ProblemDetails schema as ImageFinder sends it (<see cref="Errors.Problems"/>): <c>detail</c> is the error's
/// message (marked so for Kiota, whose exceptions otherwise have an empty message), and the members that ASP.NET and
/// ImageFinder add are declared, so generated clients read them as properties: <c>traceId</c> (always), <c>reason</c>
/// (image errors) and <c>store</c> (store unavailable).
/// </summary>
public sealed class ProblemDetailsSchemaFilter : ISchemaFilter
{
    /// <summary>Kiota's extension naming the property that is an error's message.</summary>
    public const string PrimaryErrorMessage = "x-ms-primary-error-message";

    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (!typeof(ProblemDetails).IsAssignableFrom(context.Type) || schema is not OpenApiSchema concrete || concrete.Properties is not { } properties)
        {
            return;
        }

        if (properties.TryGetValue("detail", out var detail) && detail is OpenApiSchema detailSchema)
        {
            detailSchema.Description = "What went wrong and what to change, in a sentence.";
            detailSchema.Extensions ??= new Dictionary<string, IOpenApiExtension>();
            detailSchema.Extensions[PrimaryErrorMessage] = new JsonNodeExtension(JsonValue.Create(true));
        }

        properties["traceId"] = Text("The request's W3C trace id (traceparent); the server log's lines about this request carry it.");
        properties["reason"] = Text("Why an image was refused: Empty, UnsupportedFormat, Corrupt, TooManyPixels or Internal; only on image errors.");
        properties["store"] = Text("The store that did not answer (sqlite or garnet); only when the store is unavailable.");
    }

    private static OpenApiSchema Text(string description) => new() { Type = JsonSchemaType.String | JsonSchemaType.Null, Description = description };
}
