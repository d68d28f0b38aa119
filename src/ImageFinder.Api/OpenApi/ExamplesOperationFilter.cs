using System.Text.Json.Nodes;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace ImageFinder.Api.OpenApi;

/// <summary>
/// Adds a realistic example to every documented response: a specific one keyed by endpoint name and status
/// code where there is one, otherwise (for errors) a ProblemDetails example of that status.
/// </summary>
public sealed class ExamplesOperationFilter : IOperationFilter
{
    private const string SearchAnswer = """
        {"model": "resnet50-v1-7 (ONNX Model Zoo, ImageNet)", "metric": "l2", "match": true,
         "results": [
           {"index": 17, "distance": 0.0, "source": "/data/images/cats/tabby-01.jpg", "label": "cats"},
           {"index": 4, "distance": 11.42, "source": "/data/images/cats/tabby-07.jpg", "label": "cats"},
           {"index": 230, "distance": 14.9, "source": "/data/images/dogs/beagle-03.jpg", "label": "dogs"}]}
        """;

    private const string Image = """
        {"id": 17, "source": "/data/images/cats/tabby-01.jpg", "label": "cats",
         "sha256": "9f2c4e0b7d1a8c3e5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a", "sizeBytes": 184220,
         "width": 1024, "height": 768, "modified": "2026-11-02T09:14:03+00:00", "added": "2026-11-20T17:40:11.52+00:00",
         "fileUrl": "/images/17/file"}
        """;

    private static readonly Dictionary<(string Endpoint, string Status), string> Examples = new()
    {
        [("Search", "200")] = SearchAnswer,
        [("SearchUrl", "200")] = SearchAnswer,
        [("SearchBatch", "200")] = $$$"""
            {"files": 2, "succeeded": 1, "items": [
              {"position": 0, "fileName": "tabby.jpg", "status": 200, "answer": {{{SearchAnswer}}},
               "timings": {"decodeMs": 6.12, "inferenceMs": 181.4, "knnMs": 0.83}},
              {"position": 1, "fileName": "notes.txt", "status": 400,
               "problem": {"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "Not a supported image", "status": 400,
                           "detail": "Not an image format ImageFinder can read (JPEG, PNG, WebP, GIF, TIFF, HEIF/AVIF, SVG).", "reason": "UnsupportedFormat"}}]}
            """,
        [("SearchBatch", "400")] = """
            {"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "Too many files", "status": 400,
             "detail": "A batch holds at most 32 files (ImageFinder:MaxBatchFiles); this one has 40. Split it into several requests.",
             "traceId": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"}
            """,
        [("SearchBatch", "413")] = """
            {"type": "https://tools.ietf.org/html/rfc9110#section-15.5.14", "title": "Upload too large", "status": 413,
             "detail": "The batch is larger than the 67108864-byte limit for all its files together (ImageFinder:MaxBatchUploadBytes).",
             "traceId": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"}
            """,
        [("SimilarImages", "200")] = SearchAnswer,
        [("Search", "400")] = """
            {"type": "https://tools.ietf.org/html/rfc9110#section-15.5.1", "title": "Not a supported image", "status": 400,
             "detail": "Not an image format ImageFinder can read (JPEG, PNG, WebP, GIF, TIFF, HEIF/AVIF, SVG).", "reason": "UnsupportedFormat",
             "traceId": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"}
            """,
        [("Search", "413")] = """
            {"type": "https://tools.ietf.org/html/rfc9110#section-15.5.14", "title": "Upload too large", "status": 413,
             "detail": "The upload is larger than the 20971520-byte limit (ImageFinder:MaxUploadBytes).",
             "traceId": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"}
            """,
        [("Search", "415")] = """
            {"type": "https://tools.ietf.org/html/rfc9110#section-15.5.16", "title": "Unsupported upload", "status": 415,
             "detail": "The form has no part named 'file' holding the image.",
             "traceId": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"}
            """,
        [("SearchUrl", "422")] = """
            {"type": "https://tools.ietf.org/html/rfc4918#section-11.2", "title": "URL gave no image", "status": 422,
             "detail": "https://example.com/cat.jpg: HTTP 404 Not Found", "traceId": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"}
            """,
        [("Labels", "200")] = """
            {"labels": [{"label": "cats", "count": 412}, {"label": "dogs", "count": 388}, {"label": "horses", "count": 97}], "unlabelled": 3}
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
            {"status": "ready", "model": "resnet50-v1-7 (ONNX Model Zoo, ImageNet)", "modelDescription": null, "dimension": 2048, "images": 9144, "error": null, "store": "sqlite", "storeReachable": true}
            """,
        [("Health", "503")] = """
            {"status": "loading", "model": null, "modelDescription": null, "dimension": null, "images": null, "error": null, "store": null, "storeReachable": null}
            """,
        [("GetImage", "200")] = Image,
        [("ListImages", "200")] = $$"""{"total": 9144, "offset": 0, "limit": 1, "items": [{{Image}}]}""",
        [("AddImage", "201")] = $$"""{"id": 9145, "created": true, "image": {{Image}}}""",
        [("AddImage", "200")] = $$"""{"id": 17, "created": false, "image": {{Image}}}""",
        [("Stats", "200")] = """
            {"count": 9144, "model": "resnet50-v1-7 (ONNX Model Zoo, ImageNet)",
             "modelSha256": "5b7e1c0f3a9d2e4b6c8a0f1e3d5b7a9c2e4f6a8b0c1d3e5f7a9b2c4d6e8f0a1b", "dimension": 2048, "metric": "l2",
             "store": "sqlite", "databaseBytes": 78643200, "searchMode": "Auto", "activeSearch": "Exact", "exactSearchMaxVectors": 20000,
             "index": {"state": "exact", "vectors": 9144, "cells": 1, "memoryBytes": 19204416, "trainedOn": 0}, "writesEnabled": true}
            """,
        [("Map", "200")] = """
            {"method": "pca", "dimensions": 2, "version": 311, "total": 3, "sampled": false, "explainedVariance": [0.213, 0.087],
             "points": [{"id": 17, "label": "cats", "x": -12.7, "y": 3.1}, {"id": 4, "label": "cats", "x": -11.9, "y": 4.4},
                        {"id": 230, "label": "dogs", "x": 20.3, "y": -6.8}]}
            """,
        [("Map", "202")] = """
            {"status": "computing", "method": "tsne", "dimensions": 2, "detail": "The tsne map is being computed; ask again in 2 s."}
            """,
    };

    /// <summary>Examples of the plain-text answers (the Prometheus scrape, the liveness probe), keyed like <see cref="Examples"/>.</summary>
    private static readonly Dictionary<(string Endpoint, string Status), string> TextExamples = new()
    {
        [("Metrics", "200")] = """
            # TYPE imagefinder_inference_batch_size histogram
            imagefinder_inference_batch_size_bucket{otel_scope_name="ImageFinder",le="1"} 9
            imagefinder_inference_batch_size_count{otel_scope_name="ImageFinder"} 9
            # TYPE http_server_request_duration_seconds histogram
            http_server_request_duration_seconds_count{http_request_method="POST",http_response_status_code="200",http_route="/search/"} 9
            """,
        [("Liveness", "200")] = "Healthy",
        [("Liveness", "503")] = "Unhealthy",
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
            if (response.Content is null)
            {
                continue;
            }

            var json = Examples.GetValueOrDefault((endpoint, status)) ?? ProblemExample(status);
            var text = TextExamples.GetValueOrDefault((endpoint, status));
            foreach (var (mediaType, media) in response.Content)
            {
                if (json is not null && mediaType.Contains("json", StringComparison.Ordinal))
                {
                    media.Example = JsonNode.Parse(json);
                }
                else if (text is not null && mediaType == "text/plain")
                {
                    media.Example = JsonValue.Create(text);
                }
            }
        }
    }

    /// <summary>A ProblemDetails example for an error status; null for success statuses.</summary>
    private static string? ProblemExample(string status)
    {
        if (!int.TryParse(status, out var code) || code < 400)
        {
            return null;
        }

        var title = ReasonPhrases.GetReasonPhrase(code);
        return new JsonObject
        {
            ["type"] = "https://tools.ietf.org/html/rfc9110",
            ["title"] = title,
            ["status"] = code,
            ["detail"] = $"What went wrong and what to change ({title}).",
            ["traceId"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
        }.ToJsonString();
    }
}
