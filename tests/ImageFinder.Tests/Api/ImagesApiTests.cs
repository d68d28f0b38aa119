using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ImageFinder.Api.Images;
using ImageFinder.Api.Search;
using ImageFinder.Api.Stats;
using ImageFinder.Imaging;
using ImageFinder.Inference;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Api;

/// <summary>The read endpoints of the collection, through the real host over an ingested collection.</summary>
public abstract class ImagesApiTests(CollectionFixture collection)
{
    private HttpClient Client => collection.Client;

    [Fact]
    public async Task The_list_pages_through_every_image_in_id_order()
    {
        var first = await Client.GetFromJsonAsync<ImagePage>("/images?limit=10");
        var second = await Client.GetFromJsonAsync<ImagePage>("/images?offset=10&limit=10");

        Assert.Equal(CollectionFixture.ImageCount, first!.Total);
        Assert.Equal(10, first.Items.Count);
        Assert.Equal(CollectionFixture.ImageCount - 10, second!.Items.Count);
        var ids = first.Items.Concat(second.Items).Select(image => image.Id).ToList();
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(CollectionFixture.ImageCount, ids.Distinct().Count());
        Assert.Equal(collection.Paths.Order(StringComparer.Ordinal), first.Items.Concat(second.Items).Select(image => image.Source).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("/images?limit=0", "limit")]
    [InlineData("/images?limit=1001", "limit")]
    [InlineData("/images?offset=-1", "offset")]
    [InlineData("/images/1/file?size=8", "size")]
    [InlineData("/images/1/file?size=4096", "size")]
    [InlineData("/images/1/similar?k=0", "k")]
    [InlineData("/images/1/similar?maxDistance=-1", "maxDistance")]
    public async Task Out_of_range_parameters_are_400_problems_naming_the_parameter(string url, string parameter)
    {
        var response = await Client.GetAsync(url);

        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal($"Invalid '{parameter}'", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task One_image_has_its_source_label_hash_and_size()
    {
        var listed = (await Client.GetFromJsonAsync<ImagePage>("/images?limit=1"))!.Items[0];

        var image = await Client.GetFromJsonAsync<ImageInfo>($"/images/{listed.Id}");

        Assert.Equal(listed, image);
        var bytes = await File.ReadAllBytesAsync(image!.Source);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), image.Sha256);
        Assert.Equal(bytes.Length, image.SizeBytes);
        Assert.Equal(Path.GetFileName(Path.GetDirectoryName(image.Source)), image.Label);
        Assert.Equal($"/images/{image.Id}/file", image.FileUrl);
    }

    [Theory]
    [InlineData("/images/999999")]
    [InlineData("/images/999999/file")]
    [InlineData("/images/999999/similar")]
    public async Task An_unknown_id_is_a_404_problem(string url)
    {
        var problem = await Problem.AssertAsync(await Client.GetAsync(url), HttpStatusCode.NotFound);

        Assert.Equal("No such image", problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task The_file_is_the_stored_bytes_with_its_type_and_an_etag_that_revalidates()
    {
        var image = (await Client.GetFromJsonAsync<ImagePage>("/images?limit=1"))!.Items[0];

        var response = await Client.GetAsync(image.FileUrl);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var expectedType = Path.GetExtension(image.Source) switch
        {
            ".png" => "image/png",
            ".jpg" => "image/jpeg",
            ".webp" => "image/webp",
            var other => throw new InvalidOperationException("The fixture has no " + other + " images."),
        };
        Assert.Equal(expectedType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal(await File.ReadAllBytesAsync(image.Source), await response.Content.ReadAsByteArrayAsync());
        var again = new HttpRequestMessage(HttpMethod.Get, image.FileUrl);
        again.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await Client.SendAsync(again)).StatusCode);
    }

    [Fact]
    public async Task A_thumbnail_is_a_jpeg_whose_longer_side_is_the_size_asked_for()
    {
        var image = (await Client.GetFromJsonAsync<ImagePage>("/images?limit=1"))!.Items[0];

        var response = await Client.GetAsync(image.FileUrl + "?size=64");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
        var size = ImageHeader.Read(await response.Content.ReadAsByteArrayAsync(), long.MaxValue);
        Assert.Equal(64, Math.Max(size.Width, size.Height));
        Assert.Equal((double)image.Width / image.Height, (double)size.Width / size.Height, 1);

        var again = new HttpRequestMessage(HttpMethod.Get, image.FileUrl + "?size=64");
        again.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        Assert.Equal(HttpStatusCode.NotModified, (await Client.SendAsync(again)).StatusCode);
        var otherSize = new HttpRequestMessage(HttpMethod.Get, image.FileUrl + "?size=32");
        otherSize.Headers.IfNoneMatch.Add(response.Headers.ETag!);
        Assert.Equal(HttpStatusCode.OK, (await Client.SendAsync(otherSize)).StatusCode);
    }

    [Fact]
    public async Task More_like_this_equals_searching_with_the_image_itself_left_out()
    {
        var image = (await Client.GetFromJsonAsync<ImagePage>("/images?offset=3&limit=1"))!.Items[0];

        var similar = await Client.GetFromJsonAsync<SearchResponse>($"/images/{image.Id}/similar?k=3");
        var searched = await Search(await File.ReadAllBytesAsync(image.Source), "?k=4");

        Assert.Equal(3, similar!.Results.Count);
        Assert.DoesNotContain(similar.Results, result => result.Index == image.Id);
        Assert.Equal(image.Id, searched.Results[0].Index);
        Assert.Equal(searched.Results.Skip(1).Select(r => r.Index), similar.Results.Select(r => r.Index));
        Assert.Equal(searched.Results.Skip(1).Select(r => r.Distance), similar.Results.Select(r => r.Distance));
    }

    [Fact]
    public async Task MaxDistance_drops_far_results_and_says_whether_anything_matched()
    {
        var bytes = await File.ReadAllBytesAsync(collection.Paths[2]);
        var all = await Search(bytes, "?k=5");
        var cut = (all.Results[1].Distance + all.Results[2].Distance) / 2;

        var near = await Search(bytes, FormattableString.Invariant($"?k=5&maxDistance={cut}"));
        var unrelated = await Search(TestImages.Solid(250, 10, 200, 300, 200), "?k=5&maxDistance=0.001");

        Assert.True(near.Match);
        Assert.Equal(all.Results.Take(2), near.Results);
        Assert.False(unrelated.Match);
        Assert.Empty(unrelated.Results);
    }

    [Fact]
    public async Task MaxDistance_as_a_form_field_is_honoured_and_a_bad_one_is_a_400()
    {
        var bytes = await File.ReadAllBytesAsync(collection.Paths[2]);

        var response = await Client.PostAsync("/search", Multipart.Image(bytes, fields: [("k", "5"), ("maxDistance", "0")]));
        var bad = await Client.PostAsync("/search", Multipart.Image(bytes, fields: [("maxDistance", "far")]));

        var body = (await response.Content.ReadFromJsonAsync<SearchResponse>())!;
        Assert.True(body.Match);
        Assert.All(body.Results, result => Assert.Equal(0, result.Distance));
        await Problem.AssertAsync(bad, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Results_carry_the_folder_label_and_the_metric()
    {
        var result = await Search(await File.ReadAllBytesAsync(collection.Paths[0]));

        Assert.Equal("l2", result.Metric);
        Assert.All(result.Results, r => Assert.Equal(Path.GetFileName(Path.GetDirectoryName(r.Source)), r.Label));
    }

    [Fact]
    public async Task Stats_give_the_count_model_metric_search_mode_and_index()
    {
        var stats = await Client.GetFromJsonAsync<StatsResponse>("/stats");

        Assert.Equal(CollectionFixture.ImageCount, stats!.Count);
        Assert.Contains("NOT ResNet-50", stats.Model);
        Assert.Equal(OnnxImageEmbedder.FileSha256(TestModel.Path), stats.ModelSha256);
        Assert.Equal(2048, stats.Dimension);
        Assert.Equal("l2", stats.Metric);
        Assert.Equal("Auto", stats.SearchMode);
        Assert.False(stats.WritesEnabled);
        Assert.Equal(collection.StoreKind, stats.Store);
        if (collection.StoreKind == "garnet")
        {
            // The cluster's vector sets answer; no index is kept in the API process, and there is no file to measure.
            Assert.Null(stats.DatabaseBytes);
            Assert.Equal("Garnet", stats.ActiveSearch);
            Assert.Equal("garnet", stats.Index.State);
            Assert.Equal(0, stats.Index.Vectors);
            return;
        }

        Assert.True(stats.DatabaseBytes >= new FileInfo(collection.Database).Length);
        Assert.Equal("Exact", stats.ActiveSearch);

        // The in-memory index was built before the API was ready: every image, one untrained chunk, ~2 KB each.
        Assert.Equal("exact", stats.Index.State);
        Assert.Equal(CollectionFixture.ImageCount, stats.Index.Vectors);
        Assert.Equal(1, stats.Index.Cells);
        Assert.InRange(stats.Index.MemoryBytes, (long)CollectionFixture.ImageCount * 2048, 4096L * 1024);
        Assert.Equal(0, stats.Index.TrainedOn);
    }

    [Fact]
    public async Task Without_a_configured_key_writes_are_disabled_with_403()
    {
        var post = await Client.PostAsync("/images", Multipart.Image(TestImages.Pattern(40)));
        var delete = await Client.DeleteAsync("/images/1");

        Assert.Equal("Writes disabled", (await Problem.AssertAsync(post, HttpStatusCode.Forbidden)).GetProperty("title").GetString());
        await Problem.AssertAsync(delete, HttpStatusCode.Forbidden);
        Assert.Equal(CollectionFixture.ImageCount, (await Client.GetFromJsonAsync<StatsResponse>("/stats"))!.Count);
    }

    [Fact]
    public async Task Swagger_documents_every_operation_with_an_example_for_every_json_response()
    {
        using var document = JsonDocument.Parse(await Client.GetStringAsync("/swagger/v1/swagger.json"));
        var paths = document.RootElement.GetProperty("paths");
        var operations = paths.EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => (Name: $"{operation.Name} {path.Name}", Operation: operation.Value)))
            .ToList();

        Assert.Contains(operations, o => o.Name == "post /search/url");
        Assert.Contains(operations, o => o.Name == "get /images/{id}/similar");
        Assert.Contains(operations, o => o.Name == "delete /images/{id}");
        Assert.Contains(operations, o => o.Name == "get /stats");
        foreach (var (name, operation) in operations)
        {
            Assert.True(operation.TryGetProperty("summary", out _), $"{name} has no summary");
            foreach (var response in operation.GetProperty("responses").EnumerateObject())
            {
                if (!response.Value.TryGetProperty("content", out var content))
                {
                    continue;
                }

                foreach (var media in content.EnumerateObject().Where(media => media.Name.Contains("json", StringComparison.Ordinal)))
                {
                    Assert.True(media.Value.TryGetProperty("example", out _), $"{name} {response.Name} {media.Name} has no example");
                }
            }
        }

        var writes = new[] { paths.GetProperty("/images").GetProperty("post"), paths.GetProperty("/images/{id}").GetProperty("delete") };
        Assert.All(writes, write => Assert.Equal("ApiKey", write.GetProperty("security")[0].EnumerateObject().Single().Name));
        Assert.Equal("X-Api-Key", document.RootElement.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey").GetProperty("name").GetString());
    }

    private async Task<SearchResponse> Search(byte[] image, string query = "")
    {
        var response = await Client.PostAsync("/search" + query, Multipart.Image(image));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SearchResponse>())!;
    }
}

/// <summary><see cref="ImagesApiTests"/> on the SQLite store.</summary>
public sealed class ImagesApiTestsOnSqlite(CollectionFixture collection) : ImagesApiTests(collection), IClassFixture<CollectionFixture>;

/// <summary><see cref="ImagesApiTests"/> on the Garnet store.</summary>
public sealed class ImagesApiTestsOnGarnet(GarnetCollectionFixture collection) : ImagesApiTests(collection), IClassFixture<GarnetCollectionFixture>;
