using ImageFinder.Api.Security;
using Microsoft.OpenApi;

namespace ImageFinder.Api.OpenApi;

public static class OpenApiExtensions
{
    public static IServiceCollection AddImageFinderOpenApi(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(swagger =>
        {
            swagger.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "ImageFinder",
                Version = "v1",
                Description = "Reverse image search: upload an image (or give its URL), get the most similar images of the collection (CNN embeddings, KNN in SQLite + sqlite-vec). Endpoints that change the collection need the X-Api-Key header.",
            });
            var xml = Path.Combine(AppContext.BaseDirectory, "ImageFinder.Api.xml");
            if (File.Exists(xml))
            {
                swagger.IncludeXmlComments(xml);
            }

            swagger.AddSecurityDefinition(ApiKeyOperationFilter.SchemeName, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyRequirement.HeaderName,
                Description = "The key configured as ImageFinder:ApiKey; needed by the endpoints that change the collection.",
            });
            // Non-nullable reference types are documented as such (a required upload part is not "nullable").
            swagger.SupportNonNullableReferenceTypes();
            swagger.SchemaFilter<AllowedValuesSchemaFilter>();
            swagger.SchemaFilter<ProblemDetailsSchemaFilter>();
            swagger.OperationFilter<FormFieldsOperationFilter>();
            swagger.OperationFilter<RetryAfterOperationFilter>();
            swagger.OperationFilter<ExamplesOperationFilter>();
            swagger.OperationFilter<ApiKeyOperationFilter>();
            swagger.DocumentFilter<ErrorSchemasDocumentFilter>();
            swagger.DocumentFilter<TagDescriptionsDocumentFilter>();
        });
        return services;
    }

    /// <summary>
    /// Swagger UI at <c>/swagger</c>, the document at <c>/swagger/v1/swagger.json</c>. The document's one server is the
    /// address it was asked for at, so a client generated from it calls the same service without being told where.
    /// </summary>
    public static WebApplication UseImageFinderOpenApi(this WebApplication app)
    {
        app.UseSwagger(swagger => swagger.PreSerializeFilters.Add((document, request) =>
            document.Servers = [new OpenApiServer { Url = $"{request.Scheme}://{request.Host.Value}{request.PathBase}", Description = "This service" }]));
        app.UseSwaggerUI(ui =>
        {
            ui.SwaggerEndpoint("/swagger/v1/swagger.json", "ImageFinder v1");
            ui.DocumentTitle = "ImageFinder API";
        });
        return app;
    }
}
