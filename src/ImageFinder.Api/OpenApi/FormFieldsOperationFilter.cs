using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace ImageFinder.Api.OpenApi;

/// <summary>
/// A value that the server takes either as a query parameter or as a field of the multipart form (<c>k</c> and
/// <c>maxDistance</c> of <c>POST /search</c>) is documented once, as the query parameter, whose description names the
/// form-field alternative. Documented twice, generated clients get two method parameters of one name (NSwag: CS0100).
/// </summary>
public sealed class FormFieldsOperationFilter : IOperationFilter
{
    public const string FormFieldNote = " May also be sent as a field of the multipart form instead.";

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (operation.RequestBody?.Content?.TryGetValue("multipart/form-data", out var form) != true || form!.Schema is null || operation.Parameters is null)
        {
            return;
        }

        var schema = form.Schema is OpenApiSchemaReference reference && reference.Reference.Id is { } id
            ? context.SchemaRepository.Schemas.GetValueOrDefault(id) as OpenApiSchema
            : form.Schema as OpenApiSchema;
        if (schema?.Properties is not { } fields)
        {
            return;
        }

        foreach (var parameter in operation.Parameters.OfType<OpenApiParameter>().Where(p => p.In == ParameterLocation.Query && p.Name is not null))
        {
            var field = fields.Keys.FirstOrDefault(name => string.Equals(name, parameter.Name, StringComparison.OrdinalIgnoreCase));
            if (field is null)
            {
                continue;
            }

            fields.Remove(field);
            schema.Required?.Remove(field);
            parameter.Description = (parameter.Description ?? string.Empty) + FormFieldNote;
        }
    }
}
