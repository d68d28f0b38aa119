using System.Net;
using System.Net.Http.Json;
using ImageFinder.Api.Search;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Api;

/// <summary><c>POST /search/url</c> against a real HTTP server on loopback.</summary>
public sealed class SearchUrlTests : IAsyncLifetime
{
    private readonly TempFolder temp = new();
    private TestImageServer server = null!;

    public async Task InitializeAsync() => server = await TestImageServer.StartAsync();

    public async Task DisposeAsync()
    {
        await server.DisposeAsync();
        temp.Dispose();
    }

    [Fact]
    public async Task An_image_url_is_fetched_and_searched_like_an_upload()
    {
        await using var factory = new ApiFactory(temp.Combine("url.db"), new Dictionary<string, string?> { ["ImageFinder:AllowPrivateUrls"] = "true" });
        using var client = await factory.CreateReadyClientAsync();
        var upload = await client.PostAsync("/search", Multipart.Image(server.Png(7)));

        var response = await client.PostAsJsonAsync("/search/url", new { url = server.Url("/png/7"), k = 2 });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<SearchResponse>())!;
        Assert.Equal((await upload.Content.ReadFromJsonAsync<SearchResponse>())!.Results, body.Results);
        Assert.Equal(1, server.Hits("/png/7"));
    }

    [Fact]
    public async Task Loopback_and_private_addresses_are_refused_by_default_without_being_contacted()
    {
        await using var factory = new ApiFactory(temp.Combine("blocked.db"));
        using var client = await factory.CreateReadyClientAsync();

        var loopback = await client.PostAsJsonAsync("/search/url", new { url = server.Url("/png/1") });
        var localhost = await client.PostAsJsonAsync("/search/url", new { url = server.Url("/png/2").Replace("127.0.0.1", "localhost", StringComparison.Ordinal) });
        var linkLocal = await client.PostAsJsonAsync("/search/url", new { url = "http://169.254.169.254/latest/meta-data/" });

        foreach (var response in new[] { loopback, localhost, linkLocal })
        {
            var problem = await Problem.AssertAsync(response, HttpStatusCode.UnprocessableEntity);
            Assert.Contains("private", problem.GetProperty("detail").GetString());
        }

        Assert.Equal(0, server.TotalHits);
    }

    [Theory]
    [InlineData("ftp://example.com/a.png", HttpStatusCode.BadRequest)]
    [InlineData("not a url", HttpStatusCode.BadRequest)]
    [InlineData("", HttpStatusCode.BadRequest)]
    [InlineData("/missing", HttpStatusCode.UnprocessableEntity)]
    [InlineData("/html", HttpStatusCode.UnprocessableEntity)]
    [InlineData("/fake-png", HttpStatusCode.UnprocessableEntity)]
    public async Task Urls_that_give_no_image_are_problems_not_crashes(string url, HttpStatusCode status)
    {
        await using var factory = new ApiFactory(temp.Combine("bad.db"), new Dictionary<string, string?> { ["ImageFinder:AllowPrivateUrls"] = "true" });
        using var client = await factory.CreateReadyClientAsync();

        var response = await client.PostAsJsonAsync("/search/url", new { url = url.StartsWith('/') ? server.Url(url) : url });

        await Problem.AssertAsync(response, status);
    }

    [Fact]
    public async Task A_request_that_outlives_the_request_timeout_is_cancelled_and_answered_503()
    {
        await using var factory = new ApiFactory(temp.Combine("slow.db"), new Dictionary<string, string?>
        {
            ["ImageFinder:AllowPrivateUrls"] = "true",
            ["ImageFinder:UrlFetchTimeoutSeconds"] = "120",
            ["ImageFinder:RequestTimeoutSeconds"] = "1",
        });
        using var client = await factory.CreateReadyClientAsync();

        var response = await client.PostAsJsonAsync("/search/url", new { url = server.Url("/hang") });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_body_without_json_is_a_400_problem()
    {
        await using var factory = new ApiFactory(temp.Combine("json.db"));
        using var client = await factory.CreateReadyClientAsync();

        var response = await client.PostAsync("/search/url", new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
