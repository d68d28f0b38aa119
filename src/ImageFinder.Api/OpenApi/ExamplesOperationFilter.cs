using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace ImageFinder.Api.OpenApi;

/// <summary>Adds a realistic example to every documented response, keyed by endpoint name and status code.</summary>
public sealed class ExamplesOperationFilter : IOperationFilter
{
    private static readonly Dictionary<(string Endpoint, string Status), string> Examples = new()
    {
        [("Search", "200")] = """
            {"model": "resnet50-v1-7 (ONNX Model Zoo, ImageNet)",
             "results": [
               {"index": 17, "distance": 0.0, "source": "/data/images/cats/tabby-01.jpg"},
               {"index": 4, "distance": 11.42, "source": "/data/images/cats/tabby-07.jpg"},
               {"index": 230, "distance": 14.9, "source": "/data/images/dogs/beagle-03.jpg"}]}
            """,
        [("Search", "400")] = """
            {"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "Not a supported image", "status": 400,
             "detail": "Not an image format ImageFinder can read: VipsForeignLoad: buffer is not in a known format", "reason": "UnsupportedFormat"}
            """,
        [("Search", "413")] = """
            {"type": "https://tools.ietf.org/html/rfc9110#section-15.5.14", "title": "Upload too large", "status": 413,
             "detail": "The upload is larger than the 20971520-byte limit (ImageFinder:MaxUploadBytes)."}
            """,
        [("Search", "415")] = """
            {"type": "https://tools.ietf.org/html/rfc9110#section-15.5.16", "title": "Unsupported upload", "status": 415,
             "detail": "The form has no part named 'file' holding the image."}
            """,
        [("Search", "503")] = """
            {"type": "https://tools.ietf.org/html/rfc9110#section-15.6.4", "title": "Not ready", "status": 503,
             "detail": "The model and database are still loading; retry in a moment."}
            """,
        [("Duplicates", "200")] = """
            {"model": "resnet50-v1-7 (ONNX Model Zoo, ImageNet)", "metric": "l2", "maxDistance": 9.1, "defaultThreshold": true, "images": 9144,
             "groups": [
               {"images": [
                 {"id": 17, "source": "/data/images/cats/tabby-01.jpg", "width": 1600, "height": 1200, "distance": 0.0},
                 {"id": 912, "source": "/data/images/cats/tabby-01-small.jpg", "width": 400, "height": 300, "distance": 2.73}]}]}
            """,
        [("Duplicates", "400")] = """
            {"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "Invalid 'maxDistance'", "status": 400,
             "detail": "'maxDistance' must be a number, 0 or more, in the collection's distance metric; it was -1."}
            """,
        [("Duplicates", "503")] = """
            {"type": "https://tools.ietf.org/html/rfc9110#section-15.6.4", "title": "Not ready", "status": 503,
             "detail": "The model and database are still loading; retry in a moment."}
            """,
        [("Health", "200")] = """
            {"status": "ready", "model": "resnet50-v1-7 (ONNX Model Zoo, ImageNet)", "modelDescription": null, "dimension": 2048, "images": 9144, "error": null}
            """,
        [("Health", "503")] = """
            {"status": "loading", "model": null, "modelDescription": null, "dimension": null, "images": null, "error": null}
            """,
    };

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var endpoint = context.ApiDescription.ActionDescriptor.EndpointMetadata
            .OfType<IEndpointNameMetadata>()
            .FirstOrDefault()?.EndpointName;
        if (endpoint is null || operation.Responses is null)
        {
            return;
        }

        foreach (var (status, response) in operation.Responses)
        {
            if (!Examples.TryGetValue((endpoint, status), out var json) || response.Content is null)
            {
                continue;
            }

            foreach (var media in response.Content.Values)
            {
                media.Example = JsonNode.Parse(json);
            }
        }
    }
}
