using System.Diagnostics;
using System.Text.Json;
using ImageFinder.Api.Security;
using ImageFinder.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace ImageFinder.Tests.Api;

/// <summary>
/// Issue 16: the live OpenAPI document passes Redocly's linter (recommended rules, redocly.yaml) and says what client
/// generators need to know: where the service is, binary downloads, enums, Retry-After, ProblemDetails' message.
/// </summary>
public sealed class OpenApiDocumentTests : IAsyncLifetime
{
    private readonly TempFolder temp = new();
    private ApiFactory factory = null!;
    private JsonDocument document = null!;
    private string json = null!;

    private JsonElement Paths => document.RootElement.GetProperty("paths");

    private JsonElement Schemas => document.RootElement.GetProperty("components").GetProperty("schemas");

    public async Task InitializeAsync()
    {
        // Rate limiting on, as by default (ApiFactory turns it off for the other tests), so the 429s are in the document.
        factory = new ApiFactory(temp.Combine("empty.db"), new Dictionary<string, string?> { ["ImageFinder:RateLimitPerSecond"] = "20" });
        using var client = factory.CreateClient();
        json = await client.GetStringAsync("/swagger/v1/swagger.json");
        document = JsonDocument.Parse(json);
    }

    [Fact]
    public async Task Redocly_lint_with_the_recommended_rules_finds_no_problem()
    {
        // As a deployed service's document: its server is the address it was fetched from (not localhost, which the rule
        // no-server-example.com warns about).
        using var client = factory.CreateClient(new() { BaseAddress = new Uri("http://imagefinder.internal:5080/") });
        var file = temp.Combine("swagger.json");
        await File.WriteAllTextAsync(file, await client.GetStringAsync("/swagger/v1/swagger.json"));
        var cli = Path.Combine(Repository.Root, "native", "node_modules", "@redocly", "cli", "bin", "cli.js");
        Assert.True(File.Exists(cli), $"{cli} is missing: run native/install.sh");

        var start = new ProcessStartInfo("node") { WorkingDirectory = Repository.Root };
        foreach (var argument in new[] { cli, "lint", file, "--config", Path.Combine(Repository.Root, "redocly.yaml"), "--format=json" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        var (_, output, error) = await ProcessRun.RunAsync(start, TimeSpan.FromMinutes(2), "redocly lint");

        using var report = JsonDocument.Parse(output);
        var totals = report.RootElement.GetProperty("totals");
        var problems = string.Join(Environment.NewLine, report.RootElement.GetProperty("problems").EnumerateArray()
            .Select(p => $"{p.GetProperty("severity").GetString()} {p.GetProperty("ruleId").GetString()}: {p.GetProperty("message").GetString()} at {p.GetProperty("location")[0].GetProperty("pointer").GetString()}"));
        Assert.True(totals.GetProperty("errors").GetInt32() == 0 && totals.GetProperty("warnings").GetInt32() == 0, problems + error);
    }

    [Fact]
    public void The_document_names_its_server_and_an_explicit_security_on_every_operation()
    {
        Assert.Equal("http://localhost", document.RootElement.GetProperty("servers")[0].GetProperty("url").GetString());
        foreach (var (name, operation) in Operations())
        {
            Assert.True(operation.TryGetProperty("security", out _), $"{name} says nothing about X-Api-Key");
        }
    }

    [Fact]
    public void The_file_download_is_binary_and_no_bodiless_status_hides_it()
    {
        var responses = Paths.GetProperty("/images/{id}/file").GetProperty("get").GetProperty("responses");

        Assert.False(responses.TryGetProperty("304", out _));
        var content = responses.GetProperty("200").GetProperty("content");
        Assert.Contains(content.EnumerateObject(), media => media.Name == "image/jpeg");
        Assert.All(content.EnumerateObject(), media => Assert.Equal("binary", media.Value.GetProperty("schema").GetProperty("format").GetString()));
    }

    [Fact]
    public void Values_from_a_fixed_set_are_enums()
    {
        Assert.Equal(["l2", "cosine", "l1"], Enum(Schemas.GetProperty("SearchResponse").GetProperty("properties").GetProperty("metric")));
        Assert.Equal(["ready", "loading", "failed", "unavailable"], Enum(Schemas.GetProperty("HealthResponse").GetProperty("properties").GetProperty("status")));
        Assert.Equal(["sqlite", "garnet", null], Enum(Schemas.GetProperty("HealthResponse").GetProperty("properties").GetProperty("store")));
        Assert.Equal(["Auto", "Exact", "Approximate", "SqliteVec"], Enum(Schemas.GetProperty("StatsResponse").GetProperty("properties").GetProperty("searchMode")));
        Assert.Equal(["ready", "computing"], Enum(Schemas.GetProperty("MapResponse").GetProperty("properties").GetProperty("status")));
        var method = Paths.GetProperty("/map").GetProperty("get").GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "method");
        Assert.Equal(["pca", "tsne"], Enum(method.GetProperty("schema")));
    }

    [Fact]
    public void Every_answer_that_sends_retry_after_documents_it()
    {
        var documented = 0;
        foreach (var (name, operation) in Operations())
        {
            var responses = operation.GetProperty("responses");
            if (RateLimiting.IsLimited(new PathString(name[(name.IndexOf(' ') + 1)..])))
            {
                Assert.True(responses.TryGetProperty("429", out _), $"{name} has no 429 (rate limit)");
            }

            foreach (var response in responses.EnumerateObject().Where(r => r.Name is "202" or "429" or "503" && r.Value.TryGetProperty("content", out _)))
            {
                Assert.True(response.Value.TryGetProperty("headers", out var headers) && headers.TryGetProperty("Retry-After", out _), $"{name} {response.Name} has no Retry-After");
                documented++;
            }
        }

        Assert.True(documented > 10, $"only {documented} answers with Retry-After");
        Assert.True(Paths.GetProperty("/map").GetProperty("get").GetProperty("responses").GetProperty("202").GetProperty("headers").TryGetProperty("Retry-After", out _));
    }

    [Fact]
    public void Problem_details_declare_their_message_and_trace_id_and_no_error_shares_a_success_schema()
    {
        var problem = Schemas.GetProperty("ProblemDetails").GetProperty("properties");
        Assert.True(problem.GetProperty("detail").GetProperty("x-ms-primary-error-message").GetBoolean());
        Assert.Equal("string", problem.GetProperty("traceId").GetProperty("type").GetString());

        var success = new HashSet<string>();
        var errors = new List<(string Operation, string Schema)>();
        foreach (var (name, operation) in Operations())
        {
            foreach (var response in operation.GetProperty("responses").EnumerateObject())
            {
                foreach (var schema in SchemaRefs(response.Value))
                {
                    if (response.Name[0] is '4' or '5')
                    {
                        errors.Add(($"{name} {response.Name}", schema));
                    }
                    else
                    {
                        success.Add(schema);
                    }
                }
            }
        }

        Assert.Contains(errors, e => e == ("get /health 503", "HealthResponseError"));
        Assert.DoesNotContain(errors, e => success.Contains(e.Schema));
    }

    [Fact]
    public void The_plain_text_answers_of_metrics_and_liveness_have_examples()
    {
        var metrics = Paths.GetProperty("/metrics").GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("text/plain");
        var live = Paths.GetProperty("/health/live").GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("text/plain");

        Assert.Contains("imagefinder_inference_batch_size_count", metrics.GetProperty("example").GetString());
        Assert.Equal("Healthy", live.GetProperty("example").GetString());
    }

    [Fact]
    public void Upload_values_are_documented_once_and_the_required_file_part_is_not_nullable()
    {
        var search = Paths.GetProperty("/search").GetProperty("post");
        var query = search.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
        Assert.Contains("k", query);
        Assert.Contains("maxDistance", query);

        foreach (var form in new[] { "SearchUpload", "ImageUpload" })
        {
            var schema = Schemas.GetProperty(form);
            Assert.Equal(["file"], schema.GetProperty("properties").EnumerateObject().Select(p => p.Name));
            Assert.Equal("file", schema.GetProperty("required")[0].GetString());
            Assert.False(schema.GetProperty("properties").GetProperty("file").TryGetProperty("nullable", out _));
        }
    }

    public async Task DisposeAsync()
    {
        document?.Dispose();
        await factory.DisposeAsync();
        temp.Dispose();
    }

    private static string?[] Enum(JsonElement schema) => schema.GetProperty("enum").EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? null : v.GetString()).ToArray();

    private static IEnumerable<string> SchemaRefs(JsonElement response) =>
        response.TryGetProperty("content", out var content)
            ? content.EnumerateObject()
                .Where(media => media.Value.TryGetProperty("schema", out var schema) && schema.TryGetProperty("$ref", out _))
                .Select(media => media.Value.GetProperty("schema").GetProperty("$ref").GetString()!.Split('/')[^1])
            : [];

    private IEnumerable<(string Name, JsonElement Operation)> Operations() =>
        Paths.EnumerateObject().SelectMany(path => path.Value.EnumerateObject().Select(operation => ($"{operation.Name} {path.Name}", operation.Value)));
}
