using ImageFinder.Api.Hosting;
using ImageFinder.Api.Security;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace ImageFinder.Api.OpenApi;

/// <summary>
/// Documents the answers that say when to ask again, on every operation: <c>Retry-After</c> on 202 (still computing),
/// 429 (rate limit) and 503 (busy, store unavailable), and the 429 ProblemDetails itself on every operation the rate
/// limiter counts (<see cref="RateLimiting.IsLimited"/>) while it is on.
/// </summary>
public sealed class RetryAfterOperationFilter(IOptions<ApiOptions> api) : IOperationFilter
{
    public const string HeaderName = "Retry-After";

    private static readonly string[] Statuses = ["202", "429", "503"];

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        operation.Responses ??= [];
        var path = new PathString("/" + context.ApiDescription.RelativePath);
        if (api.Value.RateLimitPerSecond > 0 && RateLimiting.IsLimited(path) && !operation.Responses.ContainsKey("429"))
        {
            operation.Responses["429"] = new OpenApiResponse
            {
                Description = "Too Many Requests: this client is over ImageFinder:RateLimitBurst / RateLimitPerSecond.",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/problem+json"] = new() { Schema = context.SchemaGenerator.GenerateSchema(typeof(ProblemDetails), context.SchemaRepository) },
                },
            };
        }

        foreach (var status in Statuses)
        {
            if (operation.Responses.TryGetValue(status, out var response) && response is OpenApiResponse concrete)
            {
                concrete.Headers ??= new Dictionary<string, IOpenApiHeader>();
                concrete.Headers[HeaderName] = new OpenApiHeader
                {
                    Description = "Seconds to wait before asking again. Sent with 202 and 429, and with the 503s that shed load or find the store unreachable (not with 503 Not ready).",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
                };
            }
        }
    }
}
