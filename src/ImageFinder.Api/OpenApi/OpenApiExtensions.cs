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
                Description = "Reverse image search: upload an image, get the most similar images of the collection (CNN embeddings, exact L2 KNN in SQLite + sqlite-vec).",
            });
            var xml = Path.Combine(AppContext.BaseDirectory, "ImageFinder.Api.xml");
            if (File.Exists(xml))
            {
                swagger.IncludeXmlComments(xml);
            }

            swagger.OperationFilter<ExamplesOperationFilter>();
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
