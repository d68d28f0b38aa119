using System.Net;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Api;

/// <summary><c>ImageFinder:Metrics</c> off: no <c>/metrics</c>, the rest unchanged.</summary>
public sealed class MetricsOffTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task With_metrics_off_the_endpoint_is_404_and_not_in_the_openapi_document()
    {
        await using var factory = new ApiFactory(temp.Combine("off.db"), new Dictionary<string, string?> { ["ImageFinder:Metrics"] = "false" });
        using var client = await factory.CreateReadyClientAsync();

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        var document = await client.GetStringAsync("/swagger/v1/swagger.json");
        Assert.DoesNotContain("\"/metrics\"", document, StringComparison.Ordinal);
        Assert.Contains("\"/health/live\"", document, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_metrics_on_by_default_the_openapi_document_describes_the_endpoint_as_text()
    {
        await using var factory = new ApiFactory(temp.Combine("on.db"));
        using var client = await factory.CreateReadyClientAsync();

        using var document = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"));
        var metrics = document.RootElement.GetProperty("paths").GetProperty("/metrics").GetProperty("get");
        Assert.True(metrics.GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("text/plain", out _));
    }
}
