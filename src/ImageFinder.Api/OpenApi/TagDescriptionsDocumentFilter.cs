using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace ImageFinder.Api.OpenApi;

/// <summary>A sentence for each feature's tag (the groups of Swagger UI, the namespaces some generators make).</summary>
public sealed class TagDescriptionsDocumentFilter : IDocumentFilter
{
    private static readonly Dictionary<string, string> Descriptions = new(StringComparer.Ordinal)
    {
        ["Search"] = "Find the images of the collection most similar to an uploaded image or to the image at a URL.",
        ["Images"] = "The collection's images: list, metadata, the file or a thumbnail, more like this; add and delete with the API key.",
        ["Stats"] = "The collection's size, model, metric, store and search mode.",
        ["Labels"] = "The collection's labels (the folders its images are in) with their counts: what the search filters' 'label' picks from.",
        ["Metrics"] = "Measurements for operators in the Prometheus text format (HTTP, inference, decode, KNN, collection size, ingest).",
        ["Duplicates"] = "Groups of near-identical images in the collection.",
        ["Map"] = "The collection's embeddings laid out in 2D or 3D (PCA or t-SNE).",
        ["Health"] = "Whether the model is loaded and the store answers (for load balancers and orchestrators).",
    };

    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
        {
            if (tag.Name is { } name && Descriptions.TryGetValue(name, out var description))
            {
                tag.Description = description;
            }
        }
    }
}
