using System.Net;
using ImageFinder.Api.Hosting;
using ImageFinder.Api.Security;
using ImageFinder.Tests.Support;
using Microsoft.Extensions.Options;

namespace ImageFinder.Tests.Api;

/// <summary>API key on reads, rate limiting, and the settings that guard them.</summary>
public sealed class ProtectionTests : IDisposable
{
    private const string Key = "read-key-0123456789abcdef";
    private readonly TempFolder temp = new();

    [Fact]
    public async Task With_protected_reads_every_endpoint_but_health_needs_the_key()
    {
        await using var factory = new ApiFactory(temp.Combine("protected.db"), new Dictionary<string, string?>
        {
            ["ImageFinder:ApiKey"] = Key,
            ["ImageFinder:ProtectReads"] = "true",
        });
        using var client = await factory.CreateReadyClientAsync();

        await Problem.AssertAsync(await client.GetAsync("/stats"), HttpStatusCode.Unauthorized);
        await Problem.AssertAsync(await client.GetAsync("/images"), HttpStatusCode.Unauthorized);
        await Problem.AssertAsync(await client.PostAsync("/search", Multipart.Image(TestImages.Pattern(1))), HttpStatusCode.Unauthorized);
        await Problem.AssertAsync(await client.GetAsync("/metrics"), HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        client.DefaultRequestHeaders.Add("X-Api-Key", Key);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/stats")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/search", Multipart.Image(TestImages.Pattern(1)))).StatusCode);
        var metrics = await client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Contains("imagefinder_inference_batch_size", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_client_over_its_rate_gets_429_with_retry_after_and_health_stays_open()
    {
        await using var factory = new ApiFactory(temp.Combine("limited.db"), new Dictionary<string, string?>
        {
            ["ImageFinder:RateLimitPerSecond"] = "1",
            ["ImageFinder:RateLimitBurst"] = "3",
        });
        using var client = await factory.CreateReadyClientAsync();

        var responses = new List<HttpResponseMessage>();
        for (var i = 0; i < 12; i++)
        {
            responses.Add(await client.GetAsync("/stats"));
        }

        Assert.All(responses.Take(3), response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        var limited = responses.First(response => response.StatusCode == HttpStatusCode.TooManyRequests);
        var problem = await Problem.AssertAsync(limited, HttpStatusCode.TooManyRequests);
        Assert.Contains("ImageFinder:RateLimitPerSecond", problem.GetProperty("detail").GetString());
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single()) >= 1);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public void Protected_reads_without_a_key_and_a_short_key_are_rejected_at_start_up_naming_the_setting()
    {
        Assert.Contains("ImageFinder:ProtectReads", Validate(new ApiOptions { ProtectReads = true }));
        Assert.Contains("ImageFinder:ApiKey", Validate(new ApiOptions { ApiKey = "short" }));
        Assert.Contains("ImageFinder:RateLimitPerSecond", Validate(new ApiOptions { RateLimitPerSecond = -1 }));
        Assert.Empty(Validate(new ApiOptions { ApiKey = Key, ProtectReads = true }));
    }

    [Theory]
    [InlineData(Key, true)]
    [InlineData("read-key-0123456789abcdeF", false)]
    [InlineData("read-key-0123456789abcde", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void The_key_comparison_matches_only_the_exact_key(string? sent, bool expected) =>
        Assert.Equal(expected, ApiKeyRequirement.Matches(sent, Key));

    public void Dispose() => temp.Dispose();

    private static string Validate(ApiOptions options)
    {
        var result = new DataAnnotationValidateOptions<ApiOptions>(null).Validate(null, options);
        return result.Failed ? result.FailureMessage : string.Empty;
    }
}
