using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace ImageFinder.Api.OpenApi;

/// <summary>
/// An error answer (4xx, 5xx) whose body has the same shape as a success answer (<c>GET /health</c>'s 503 is a
/// <c>HealthResponse</c>) is documented with a copy of that schema named <c>{Name}Error</c>. Kiota makes every schema of
/// an error answer an exception type, and would otherwise make the success type one too.
/// </summary>
public sealed class ErrorSchemasDocumentFilter : IDocumentFilter
{
    public const string Suffix = "Error";

    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        var responses = document.Paths.Values
            .SelectMany(path => path.Operations?.Values.AsEnumerable() ?? [])
            .SelectMany(operation => operation.Responses?.AsEnumerable() ?? [])
            .ToList();
        var successSchemas = responses
            .Where(response => !IsError(response.Key))
            .SelectMany(response => SchemaIds(response.Value))
            .ToHashSet(StringComparer.Ordinal);

        foreach (var response in responses.Where(response => IsError(response.Key)).Select(response => response.Value))
        {
            foreach (var media in response.Content?.Values ?? [])
            {
                if (media.Schema is not OpenApiSchemaReference { Reference.Id: { } id } || !successSchemas.Contains(id)
                    || document.Components?.Schemas is not { } schemas || !schemas.TryGetValue(id, out var shared))
                {
                    continue;
                }

                var copyId = id + Suffix;
                if (!schemas.ContainsKey(copyId))
                {
                    var copy = shared.CreateShallowCopy();
                    if (copy is OpenApiSchema concrete)
                    {
                        concrete.Description = $"The body of an error answer that has the shape of {id}. {shared.Description}".TrimEnd();
                    }

                    schemas[copyId] = copy;
                }

                media.Schema = new OpenApiSchemaReference(copyId, document);
            }
        }
    }

    private static bool IsError(string status) => status.Length == 3 && status[0] is '4' or '5';

    private static IEnumerable<string> SchemaIds(IOpenApiResponse response) =>
        (response.Content?.Values ?? []).Select(media => media.Schema).OfType<OpenApiSchemaReference>().Select(r => r.Reference.Id).OfType<string>();
}
