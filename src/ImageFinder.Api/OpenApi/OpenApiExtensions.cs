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
            swagger.OperationFilter<ExamplesOperationFilter>();
            swagger.OperationFilter<ApiKeyOperationFilter>();
        });
        return services;
    }

    /// <summary>Swagger UI at <c>/swagger</c>, the document at <c>/swagger/v1/swagger.json</c>.</summary>
    public static WebApplication UseImageFinderOpenApi(this WebApplication app)
    {
        app.UseSwagger();
        app.UseSwaggerUI(ui =>
        {
            ui.SwaggerEndpoint("/swagger/v1/swagger.json", "ImageFinder v1");
            ui.DocumentTitle = "ImageFinder API";
        });
        return app;
    }
}
