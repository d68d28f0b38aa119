using System.Net;
using System.Net.Http.Json;
using ImageFinder.Api.Duplicates;
using ImageFinder.Api.Images;
using ImageFinder.Api.Map;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Api;

/// <summary>The whole-collection features (the map, near-duplicates) on the Garnet store, and the map following its writes.</summary>
public sealed class GarnetFeaturesTests(KeyedGarnetCollectionFixture collection) : IClassFixture<KeyedGarnetCollectionFixture>
{
    private HttpClient Client => collection.Client;

    [Fact]
    public async Task The_map_holds_every_image_and_follows_a_write_through_the_version()
    {
        var ids = await IdsAsync();
        var before = await MapAsync();
        Assert.Equal(ids, before.Points.Select(p => p.Id).Order());
        Assert.Equal(ids.Count, before.Total);
        Assert.All(before.Points, p => Assert.True(float.IsFinite(p.X) && float.IsFinite(p.Y)));

        using var add = new HttpRequestMessage(HttpMethod.Post, "/images") { Content = Multipart.Image(TestImages.Pattern(91, 200, 150), "ninety-one.png") };
        add.Headers.Add("X-Api-Key", KeyedCollectionFixture.Key);
        var added = (await (await Client.SendAsync(add)).Content.ReadFromJsonAsync<ImageAdded>())!;
        var after = await MapAsync();

        Assert.True(after.Version > before.Version, "the map's version did not follow the write");
        Assert.Contains(after.Points, p => p.Id == added.Id);
        Assert.Equal(ids.Count + 1, after.Total);
    }

    [Fact]
    public async Task Duplicates_read_the_whole_collection()
    {
        var report = (await Client.GetFromJsonAsync<DuplicatesResponse>("/duplicates"))!;

        Assert.Equal((await IdsAsync()).Count, report.Images);
        Assert.Equal("l2", report.Metric);
    }

    [Fact]
    public async Task An_image_url_is_fetched_and_searched_on_the_cluster_like_an_upload()
    {
        await using var images = await TestImageServer.StartAsync();
        await using var factory = new ApiFactory(collection.Temp.Combine("url.db"), new Dictionary<string, string?>
        {
            ["ImageFinder:AllowPrivateUrls"] = "true",
            ["ImageFinder:Store"] = "garnet",
            ["ImageFinder:Garnet:Endpoints"] = collection.Garnet.Endpoint,
            ["ImageFinder:Garnet:Prefix"] = collection.GarnetOptions.Prefix,
        });
        using var client = await factory.CreateReadyClientAsync();
        var upload = await client.PostAsync("/search?k=2", Multipart.Image(images.Png(7)));

        var response = await client.PostAsJsonAsync("/search/url", new { url = images.Url("/png/7"), k = 2 });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await response.Content.ReadFromJsonAsync<ImageFinder.Api.Search.SearchResponse>())!.Results;
        Assert.Equal(2, results.Count);
        Assert.Equal((await upload.Content.ReadFromJsonAsync<ImageFinder.Api.Search.SearchResponse>())!.Results, results);
        Assert.False(File.Exists(collection.Temp.Combine("url.db")), "the garnet API created a SQLite file");
    }

    private async Task<List<long>> IdsAsync() =>
        [.. (await Client.GetFromJsonAsync<ImagePage>("/images?limit=1000"))!.Items.Select(i => i.Id).Order()];

    /// <summary>The PCA map; 202 (still computing) is asked again, bounded.</summary>
    private async Task<MapResponse> MapAsync()
    {
        for (var attempt = 0; attempt < 60; attempt++)
        {
            var response = await Client.GetAsync("/map?method=pca");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return (await response.Content.ReadFromJsonAsync<MapResponse>())!;
            }

            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        throw new TimeoutException("The map was still computing after 60 requests.");
    }
}
