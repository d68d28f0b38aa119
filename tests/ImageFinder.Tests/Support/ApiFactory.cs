using System.Net;
using System.Net.Http.Json;
using ImageFinder.Api.Health;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ImageFinder.Tests.Support;

/// <summary>The real API host (WebApplicationFactory) over a given database and the tiny test model.</summary>
public sealed class ApiFactory : WebApplicationFactory<Program>
{
    private readonly Dictionary<string, string?> settings;

    public ApiFactory(string database, IDictionary<string, string?>? extra = null)
    {
        settings = new Dictionary<string, string?>
        {
            ["ImageFinder:Database"] = database,
            ["ImageFinder:ModelPath"] = TestModel.Path,
            ["ImageFinder:IntraOpThreads"] = "2",
            // Tests send many requests from one client; the rate-limit tests turn it back on.
            ["ImageFinder:RateLimitPerSecond"] = "0",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
    }

    /// <summary>A client, once /health says ready.</summary>
    public async Task<HttpClient> CreateReadyClientAsync()
    {
        var client = CreateClient();
        for (var attempt = 0; attempt < 600; attempt++)
        {
            var response = await client.GetAsync("/health");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return client;
            }

            var health = await response.Content.ReadFromJsonAsync<HealthResponse>();
            if (health?.Status == "failed")
            {
                throw new InvalidOperationException("API failed to start: " + health.Error);
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("The API did not become ready.");
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
