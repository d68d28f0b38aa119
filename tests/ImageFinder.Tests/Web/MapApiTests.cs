using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ImageFinder.Api.Map;
using ImageFinder.Inference;
using ImageFinder.Ingestion;
using ImageFinder.Storage;
using ImageFinder.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImageFinder.Tests.Web;

[Collection(WebFixture.Name)]
public sealed class MapApiTests(WebFixture web)
{
    [Fact]
    public async Task The_PCA_map_holds_every_image_once_with_its_folder_as_label()
    {
        var map = await GetMapAsync("map");

        Assert.Equal("pca", map.Method);
        Assert.Equal(2, map.Dimensions);
        Assert.Equal(web.Count, map.Total);
        Assert.False(map.Sampled);
        Assert.Equal(web.Ids.Values.Order(), map.Points.Select(p => p.Id).Order());
        foreach (var (path, id) in web.Ids)
        {
            Assert.Equal(Path.GetFileName(Path.GetDirectoryName(path)), map.Points.Single(p => p.Id == id).Label);
        }

        Assert.All(map.Points, p => Assert.Null(p.Z));
        Assert.All(map.Points, p => Assert.True(float.IsFinite(p.X) && float.IsFinite(p.Y)));
        Assert.Equal(2, map.ExplainedVariance.Count);
        Assert.InRange(map.ExplainedVariance[0], map.ExplainedVariance[1], 1f);
        Assert.True(map.ExplainedVariance[1] > 0);
        // Different images get different places.
        Assert.Equal(web.Count, map.Points.Select(p => (p.X, p.Y)).Distinct().Count());
    }

    [Fact]
    public async Task A_3D_map_has_z_and_a_2D_map_leaves_it_out_of_the_json()
    {
        var json = await web.Client.GetStringAsync("map?method=pca&dimensions=2");
        Assert.DoesNotContain("\"z\"", json, StringComparison.Ordinal);

        var map = await GetMapAsync("map?method=pca&dimensions=3");

        Assert.Equal(3, map.Dimensions);
        Assert.All(map.Points, p => Assert.NotNull(p.Z));
        Assert.Equal(3, map.ExplainedVariance.Count);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task The_tsne_map_holds_every_image(int dimensions)
    {
        var map = await GetMapAsync($"map?method=tsne&dimensions={dimensions}");

        Assert.Equal("tsne", map.Method);
        Assert.Equal(web.Count, map.Points.Count);
        Assert.Empty(map.ExplainedVariance);
        Assert.All(map.Points, p => Assert.True(float.IsFinite(p.X) && float.IsFinite(p.Y) && (dimensions == 2 ? p.Z is null : float.IsFinite(p.Z!.Value))));
    }

    [Fact]
    public async Task The_same_map_is_served_from_the_cache_while_the_collection_is_unchanged()
    {
        // Once computed (the first ask may find it computing, 202), the same bytes twice.
        await GetMapAsync(web.Client, "map?method=tsne");
        var first = await web.Client.GetStringAsync("map?method=tsne");
        var second = await web.Client.GetStringAsync("map?method=tsne");

        Assert.Equal(first, second);
    }

    [Theory]
    [InlineData("map?method=umap", "Invalid 'method'")]
    [InlineData("map?dimensions=4", "Invalid 'dimensions'")]
    [InlineData("map?dimensions=1", "Invalid 'dimensions'")]
    public async Task Bad_parameters_are_400_problems(string url, string title)
    {
        var response = await web.Client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(title, problem.RootElement.GetProperty("title").GetString());
    }

    [Fact]
    public async Task A_write_to_the_collection_makes_a_new_map_with_the_new_images()
    {
        using var temp = new TempFolder();
        var database = temp.Combine("changing.db");
        TestImages.WriteCollection(temp.Combine("images", "first"), 4);
        using var embedder = OnnxImageEmbedder.Load(TestModel.Options());
        using (var store = VectorStore.Open(database, new CollectionInfo(embedder.Model.Name, embedder.Model.Dimension)))
        {
            await new IngestJob(embedder, store).RunAsync(temp.Combine("images"));
        }

        await using var factory = new ApiFactory(database);
        using var client = await factory.CreateReadyClientAsync();
        var before = await GetMapAsync(client, "map?method=tsne");
        Assert.Equal(4, before.Points.Count);

        // Another process (here: another connection) adds images; the API sees the new collection version.
        TestImages.WriteCollection(temp.Combine("images", "second"), 3, firstPattern: 10);
        using (var store = VectorStore.Open(database, new CollectionInfo(embedder.Model.Name, embedder.Model.Dimension)))
        {
            await new IngestJob(embedder, store).RunAsync(temp.Combine("images"));
        }

        var after = await GetMapAsync(client, "map?method=tsne");

        Assert.Equal(7, after.Points.Count);
        Assert.True(after.Version > before.Version);
        Assert.Equal(3, after.Points.Count(p => p.Label == "second"));
    }

    [Theory]
    [InlineData("pca")]
    [InlineData("tsne")]
    public async Task An_empty_collection_has_an_empty_map(string method)
    {
        using var temp = new TempFolder();
        await using var factory = new ApiFactory(temp.Combine("empty.db"));
        using var client = await factory.CreateReadyClientAsync();

        var map = await GetMapAsync(client, $"map?method={method}&dimensions=3");

        Assert.Equal(0, map.Total);
        Assert.Empty(map.Points);
    }

    [Fact]
    public async Task While_a_map_is_computing_the_answer_is_202_with_retry_after_then_the_map()
    {
        // A request that does not wait at all sees the computation running.
        await using var parent = new ApiFactory(web.Database);
        await using var factory = parent.WithWebHostBuilder(builder => builder.ConfigureServices(services =>
            services.AddSingleton(new CollectionMaps(NullLogger<CollectionMaps>.Instance, TimeSpan.Zero))));
        using var client = factory.CreateClient();
        for (var attempt = 0; attempt < 600 && (await client.GetAsync("health")).StatusCode != HttpStatusCode.OK; attempt++)
        {
            await Task.Delay(50);
        }

        var response = await client.GetAsync("map?method=tsne&dimensions=3");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(CollectionMapApi.RetryAfterSeconds), response.Headers.RetryAfter?.Delta);
        var pending = (await response.Content.ReadFromJsonAsync<MapPending>())!;
        Assert.Equal("computing", pending.Status);
        Assert.Equal("tsne", pending.Method);
        Assert.Equal(web.Count, (await GetMapAsync(client, "map?method=tsne&dimensions=3")).Points.Count);
    }

    private Task<MapResponse> GetMapAsync(string url) => GetMapAsync(web.Client, url);

    /// <summary>GET a map, asking again while it is computing (202 + Retry-After).</summary>
    private static async Task<MapResponse> GetMapAsync(HttpClient client, string url)
    {
        for (var attempt = 0; attempt < 120; attempt++)
        {
            var response = await client.GetAsync(url);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                Assert.NotNull(response.Headers.RetryAfter);
                await Task.Delay(500);
                continue;
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<MapResponse>())!;
        }

        throw new TimeoutException($"{url} was still computing after a minute.");
    }
}
