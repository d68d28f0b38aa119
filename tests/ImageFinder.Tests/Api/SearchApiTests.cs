using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ImageFinder.Api.Health;
using ImageFinder.Api.Search;
using ImageFinder.Imaging;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Api;

public abstract class SearchApiTests(CollectionFixture collection)
{
    private HttpClient Client => collection.Client;

    [Fact]
    public async Task Health_is_ready_and_names_the_test_model_and_the_image_count()
    {
        var health = await Client.GetFromJsonAsync<HealthResponse>("/health");

        Assert.Equal("ready", health!.Status);
        Assert.Contains("NOT ResNet-50", health.Model);
        Assert.Equal(2048, health.Dimension);
        Assert.Equal(CollectionFixture.ImageCount, health.Images);
    }

    [Fact]
    public async Task An_ingested_image_finds_itself_first_at_distance_zero()
    {
        var path = collection.Paths[5];
        var response = await Search(await File.ReadAllBytesAsync(path));

        Assert.Contains("NOT ResNet-50", response.Model);
        Assert.Equal(3, response.Results.Count);
        Assert.Equal(path, response.Results[0].Source);
        Assert.True(response.Results[0].Distance < 1e-3f);
        Assert.True(response.Results[1].Distance >= response.Results[0].Distance);
        Assert.True(response.Results[2].Distance >= response.Results[1].Distance);
    }

    [Fact]
    public async Task The_answer_says_where_the_server_spent_its_time()
    {
        using var content = new MultipartFormDataContent();
        using var file = new ByteArrayContent(await File.ReadAllBytesAsync(collection.Paths[2]));
        content.Add(file, "file", "query.png");
        using var response = await Client.PostAsync("/search", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var header = Assert.Single(response.Headers.GetValues(ServerTiming.HeaderName));
        var durations = ServerTiming.Parse(header);
        Assert.Equal(["decode", "inference", "knn"], durations.Keys.Order());
        Assert.All(durations.Values, duration => Assert.True(duration >= 0 && duration < 60_000, header));
        Assert.True(durations["decode"] > 0, header);
    }

    [Fact]
    public async Task A_resized_re_encoded_copy_finds_its_source_first()
    {
        for (var i = 0; i < collection.Paths.Count; i += 3)
        {
            var original = await File.ReadAllBytesAsync(collection.Paths[i]);
            var copy = ImageEncoder.Thumbnail(original, 180, EncodedFormat.Jpeg, quality: 70);

            var response = await Search(copy);

            Assert.Equal(collection.Paths[i], response.Results[0].Source);
            Assert.True(response.Results[0].Distance > 0f);
        }
    }

    [Fact]
    public async Task Indices_are_the_image_ids_and_stable()
    {
        var bytes = await File.ReadAllBytesAsync(collection.Paths[2]);
        var first = await Search(bytes);
        var again = await Search(bytes);

        Assert.Equal(first.Results.Select(r => r.Index), again.Results.Select(r => r.Index));
        Assert.All(first.Results, r => Assert.InRange(r.Index, 1, CollectionFixture.ImageCount));
    }

    [Theory]
    [InlineData("?k=1", 1)]
    [InlineData("?k=5", 5)]
    [InlineData("?k=100", CollectionFixture.ImageCount)]
    [InlineData("", 3)]
    public async Task K_in_the_query_string_is_honoured(string query, int expected)
    {
        var response = await Search(await File.ReadAllBytesAsync(collection.Paths[0]), query);
        Assert.Equal(expected, response.Results.Count);
    }

    [Fact]
    public async Task K_as_a_form_field_is_honoured()
    {
        var content = Multipart.Image(await File.ReadAllBytesAsync(collection.Paths[0]), fields: ("k", "7"));
        var response = await Client.PostAsync("/search", content);

        response.EnsureSuccessStatusCode();
        Assert.Equal(7, (await response.Content.ReadFromJsonAsync<SearchResponse>())!.Results.Count);
    }

    [Theory]
    [InlineData("?k=0")]
    [InlineData("?k=101")]
    [InlineData("?k=-3")]
    public async Task K_out_of_range_is_a_400_problem(string query)
    {
        var response = await Client.PostAsync("/search" + query, Multipart.Image(await File.ReadAllBytesAsync(collection.Paths[0])));
        await AssertProblem(response, HttpStatusCode.BadRequest, "Invalid 'k'");
    }

    [Fact]
    public async Task Non_numeric_k_in_the_form_is_a_400_problem()
    {
        var response = await Client.PostAsync("/search", Multipart.Image(await File.ReadAllBytesAsync(collection.Paths[0]), fields: ("k", "many")));
        await AssertProblem(response, HttpStatusCode.BadRequest, "Invalid 'k'");
    }

    [Fact]
    public async Task Non_image_bytes_are_a_400_problem()
    {
        var response = await Client.PostAsync("/search", Multipart.Image("<html><body>not an image</body></html>"u8.ToArray(), "page.jpg"));
        var problem = await AssertProblem(response, HttpStatusCode.BadRequest, "Not a supported image");
        Assert.Equal("UnsupportedFormat", problem.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task A_truncated_image_is_a_400_problem()
    {
        var bytes = TestImages.Pattern(3, 400, 300, EncodedFormat.Jpeg);
        var response = await Client.PostAsync("/search", Multipart.Image(bytes[..(bytes.Length / 3)], "cut.jpg"));
        await AssertProblem(response, HttpStatusCode.BadRequest, "Corrupt image");
    }

    [Fact]
    public async Task An_empty_file_is_a_400_problem()
    {
        var response = await Client.PostAsync("/search", Multipart.Image([], "empty.png"));
        await AssertProblem(response, HttpStatusCode.BadRequest, "Empty file");
    }

    [Fact]
    public async Task An_upload_over_the_limit_is_a_413_problem()
    {
        var big = new byte[(1024 * 1024) + 1];
        new Random(1).NextBytes(big);
        var response = await Client.PostAsync("/search", Multipart.Image(big, "big.jpg"));
        await AssertProblem(response, HttpStatusCode.RequestEntityTooLarge, "Upload too large");
    }

    [Fact]
    public async Task A_body_that_is_not_multipart_is_a_415_problem()
    {
        var content = new ByteArrayContent(await File.ReadAllBytesAsync(collection.Paths[0]));
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        var response = await Client.PostAsync("/search", content);
        var problem = await AssertProblem(response, HttpStatusCode.UnsupportedMediaType, "Unsupported Media Type");
        Assert.Contains("multipart/form-data", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_form_without_the_file_part_is_a_415_problem()
    {
        var response = await Client.PostAsync("/search", Multipart.Image(await File.ReadAllBytesAsync(collection.Paths[0]), partName: "image"));
        await AssertProblem(response, HttpStatusCode.UnsupportedMediaType, "Unsupported upload");
    }

    [Fact]
    public async Task Swagger_documents_every_endpoint_with_responses_and_examples()
    {
        using var document = JsonDocument.Parse(await Client.GetStringAsync("/swagger/v1/swagger.json"));
        var paths = document.RootElement.GetProperty("paths");

        var search = paths.GetProperty("/search").GetProperty("post");
        foreach (var status in new[] { "200", "400", "413", "415", "503" })
        {
            var content = search.GetProperty("responses").GetProperty(status).GetProperty("content");
            Assert.True(content.EnumerateObject().First().Value.TryGetProperty("example", out _), $"no example for {status}");
        }

        Assert.True(search.GetProperty("requestBody").GetProperty("content").TryGetProperty("multipart/form-data", out _));
        var upload = document.RootElement.GetProperty("components").GetProperty("schemas").GetProperty("SearchUpload").GetProperty("properties");
        Assert.Equal("binary", upload.GetProperty("file").GetProperty("format").GetString());
        var health = paths.GetProperty("/health").GetProperty("get").GetProperty("responses");
        Assert.True(health.TryGetProperty("200", out _));
        Assert.True(health.TryGetProperty("503", out _));

        var ui = await Client.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
    }

    private async Task<SearchResponse> Search(byte[] image, string query = "")
    {
        var response = await Client.PostAsync("/search" + query, Multipart.Image(image));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SearchResponse>())!;
    }

    private static async Task<JsonElement> AssertProblem(HttpResponseMessage response, HttpStatusCode status, string title)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(title, problem.GetProperty("title").GetString());
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        return problem;
    }
}

/// <summary><see cref="SearchApiTests"/> on the SQLite store.</summary>
public sealed class SearchApiTestsOnSqlite(CollectionFixture collection) : SearchApiTests(collection), IClassFixture<CollectionFixture>;

/// <summary><see cref="SearchApiTests"/> on the Garnet store.</summary>
public sealed class SearchApiTestsOnGarnet(GarnetCollectionFixture collection) : SearchApiTests(collection), IClassFixture<GarnetCollectionFixture>;
