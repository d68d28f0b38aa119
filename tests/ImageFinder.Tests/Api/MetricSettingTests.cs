using System.Net;
using System.Net.Http.Json;
using ImageFinder.Api.Search;
using ImageFinder.Configuration;
using ImageFinder.Storage;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Api;

public sealed class MetricSettingTests : IDisposable
{
    private readonly TempFolder temp = new();

    [Fact]
    public async Task The_metric_setting_creates_a_cosine_database_and_searches_use_cosine_distance()
    {
        var database = temp.Combine("cosine.db");
        await using (var factory = new ApiFactory(database, new Dictionary<string, string?> { ["ImageFinder:Metric"] = "Cosine" }))
        {
            using var client = await factory.CreateReadyClientAsync();
            var response = await client.PostAsync("/search", Multipart.Image(TestImages.Pattern(1)));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadFromJsonAsync<SearchResponse>();

            using var store = VectorStore.Open(database, new CollectionInfo(body!.Model, 2048));
            Assert.Equal(CollectionInfo.Cosine, store.Collection.Metric);
        }
    }

    [Fact]
    public async Task An_unknown_metric_fails_host_start_up_naming_the_setting()
    {
        var error = await FailedStartup.CatchAsync(temp.Combine("x.db"), new Dictionary<string, string?> { ["ImageFinder:Metric"] = "dot" });

        Assert.Contains("ImageFinder:Metric", error.Message);
        Assert.Contains("'dot'", error.Message);
    }

    [Fact]
    public void A_setting_that_differs_from_the_stored_metric_is_reported_naming_both()
    {
        var options = new ImageFinderOptions { Database = temp.Combine("x.db"), Metric = "cosine" };

        var conflict = options.MetricConflict(CollectionInfo.L2);

        Assert.StartsWith("ImageFinder:Metric 'cosine' is ignored", conflict);
        Assert.Contains("created with the 'l2' metric", conflict);
        Assert.Null(options.MetricConflict(CollectionInfo.Cosine));
        Assert.Null(new ImageFinderOptions { Metric = "COSINE" }.MetricConflict(CollectionInfo.Cosine));
        Assert.Null(new ImageFinderOptions().MetricConflict(CollectionInfo.L1));
    }

    public void Dispose() => temp.Dispose();
}
