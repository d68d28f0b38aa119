using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ImageFinder.Api.Duplicates;
using ImageFinder.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ImageFinder.Tests.Api;

public sealed class DuplicatesApiTests : IAsyncLifetime
{
    private readonly TempFolder temp = new();
    private ApiFactory factory = null!;
    private HttpClient client = null!;

    public async Task InitializeAsync()
    {
        DuplicateSet.Write(temp.Combine("images"));
        var ingest = await CliRunner.RunAsync("ingest", "--folder", temp.Combine("images"), "--db", temp.Combine("dup.db"), "--model", TestModel.Path, "--threads", "2");
        Assert.Equal(0, ingest.ExitCode);
        factory = new ApiFactory(temp.Combine("dup.db"));
        client = await factory.CreateReadyClientAsync();
    }

    [Fact]
    public async Task Duplicates_groups_the_copies_of_each_original()
    {
        var response = await client.GetFromJsonAsync<DuplicatesResponse>("/duplicates");

        Assert.Equal("l2", response!.Metric);
        Assert.True(response.DefaultThreshold);
        Assert.Equal(DuplicateSet.Count, response.Images);
        Assert.Equal(2, response.Groups.Count);
        Assert.Equal(["a-copy.png", "a-q60.jpg", "a-small.jpg", "a.png"], response.Groups[0].Images.Select(i => Path.GetFileName(i.Source)).Order(StringComparer.Ordinal));
        Assert.Equal(["b-q60.jpg", "b-small.webp", "b.png"], response.Groups[1].Images.Select(i => Path.GetFileName(i.Source)).Order(StringComparer.Ordinal));
        Assert.All(response.Groups, g => Assert.Equal((640, 480, 0f), (g.Images[0].Width, g.Images[0].Height, g.Images[0].Distance)));
    }

    [Fact]
    public async Task A_report_while_another_runs_is_a_503_with_retry_after_then_works_again()
    {
        var gate = factory.Services.GetRequiredService<DuplicatesGate>();

        HttpResponseMessage busy;
        await gate.Semaphore.WaitAsync();
        try
        {
            busy = await client.GetAsync("/duplicates");
        }
        finally
        {
            gate.Semaphore.Release();
        }

        var problem = await Problem.AssertAsync(busy, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("Busy", problem.GetProperty("title").GetString());
        Assert.Equal("5", busy.Headers.GetValues("Retry-After").Single());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/duplicates")).StatusCode);
    }

    [Fact]
    public async Task A_zero_threshold_keeps_only_identical_images()
    {
        var response = await client.GetFromJsonAsync<DuplicatesResponse>("/duplicates?maxDistance=0");

        Assert.False(response!.DefaultThreshold);
        var group = Assert.Single(response.Groups);
        Assert.Equal(["a-copy.png", "a.png"], group.Images.Select(i => Path.GetFileName(i.Source)).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("NaN")]
    [InlineData("abc")]
    public async Task A_bad_threshold_is_a_400_problem(string value)
    {
        var response = await client.GetAsync("/duplicates?maxDistance=" + value);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Swagger_documents_the_endpoint_with_examples()
    {
        using var document = JsonDocument.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"));
        var get = document.RootElement.GetProperty("paths").GetProperty("/duplicates").GetProperty("get");

        Assert.Equal("Groups of near-identical images in the collection", get.GetProperty("summary").GetString());
        Assert.Contains("maxDistance", get.GetProperty("description").GetString());
        Assert.Contains(get.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "maxDistance");
        foreach (var status in new[] { "200", "400", "503" })
        {
            var content = get.GetProperty("responses").GetProperty(status).GetProperty("content");
            Assert.True(content.EnumerateObject().First().Value.TryGetProperty("example", out _), $"no example for {status}");
        }
    }

    public async Task DisposeAsync()
    {
        client.Dispose();
        await factory.DisposeAsync();
        temp.Dispose();
    }
}
