using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace ImageFinder.Api.OpenApi;

/// <summary>
/// A property or parameter marked <see cref="AllowedValuesAttribute"/> is documented as an <c>enum</c> of those values,
/// so generated clients get an enum type (metric, health status, search mode, map method...) instead of a bare string.
/// The convention: a string with a fixed set of values carries <c>[AllowedValues]</c>, on a response record's property
/// (<c>[property: AllowedValues(...)]</c>) or on a query parameter. A nullable one lists null too.
/// </summary>
public sealed class AllowedValuesSchemaFilter : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        var allowed = context.MemberInfo?.GetCustomAttribute<AllowedValuesAttribute>()
            ?? context.ParameterInfo?.GetCustomAttribute<AllowedValuesAttribute>();
        if (allowed is null || schema is not OpenApiSchema concrete)
        {
            return;
        }

        var values = allowed.Values.Where(value => value is not null).Select(value => (JsonNode?)JsonValue.Create(value!.ToString())).ToList();
        if (concrete.Type?.HasFlag(JsonSchemaType.Null) == true)
        {
            // OpenAPI 3.0: a nullable enum lists null among its values, or null is not valid.
            values.Add(null);
        }

        concrete.Enum = values!;
    }
}
