using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ImageFinder.Api.Hosting;
using ImageFinder.Api.Search;
using ImageFinder.Imaging;
using ImageFinder.Inference;
using ImageFinder.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace ImageFinder.Tests.Api;

/// <summary>
/// <c>POST /search/batch</c> through the real host: one item per file in order, each what <c>POST /search</c> answers for
/// that file alone; request-level problems answer before anything is inferred; the batch's images share inference runs.
/// </summary>
public abstract class BatchSearchApiTests(CollectionFixture collection)
{
    private const int MaxBatchSize = 8;

    private HttpClient Client => collection.Client;

    /// <summary>The API's embedder, whose inference queue counts runs and images.</summary>
    private OnnxImageEmbedder Embedder =>
        (OnnxImageEmbedder)collection.Factory.Services.GetRequiredService<EngineLoader>().Search!.Embedder;

    /// <summary>A host with the same settings over an empty collection of this store.</summary>
    protected abstract ApiFactory EmptyCollectionApi();

    [Fact]
    public async Task Items_are_in_the_order_sent_and_each_equals_what_POST_search_answers_for_its_file()
    {
        int[] order = [3, 0, 11, 7, 5];
        var images = order.Select(i => File.ReadAllBytes(collection.Paths[i])).ToArray();

        var batch = await Batch(images, "?k=4");

        Assert.Equal(order.Length, batch.Files);
        Assert.Equal(order.Length, batch.Succeeded);
        for (var slot = 0; slot < order.Length; slot++)
        {
            var item = batch.Items[slot];
            Assert.Equal(slot, item.Position);
            Assert.Equal($"image-{slot}.png", item.FileName);
            Assert.Equal(200, item.Status);
            Assert.Null(item.Problem);
            Assert.Equal(collection.Paths[order[slot]], item.Answer!.Results[0].Source);
            AssertSameAnswer(await Search(images[slot], "?k=4"), item.Answer);
        }
    }

    [Fact]
    public async Task Each_item_says_where_the_server_spent_its_time()
    {
        var batch = await Batch([File.ReadAllBytes(collection.Paths[1]), File.ReadAllBytes(collection.Paths[2])]);

        Assert.All(batch.Items, item =>
        {
            var timings = item.Timings!;
            Assert.True(timings.DecodeMs > 0);
            Assert.True(timings.InferenceMs > 0);
            Assert.InRange(timings.KnnMs, 0, 60_000);
        });
    }

    public static TheoryData<string, string, string> BrokenFiles => new()
    {
        { "not-an-image", "Not a supported image", "UnsupportedFormat" },
        { "truncated", "Corrupt image", "Corrupt" },
        { "empty", "Empty file", "Empty" },
        { "too-many-pixels", "Image too large", "TooManyPixels" },
        { "over-the-upload-limit", "Upload too large", "" },
    };

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public async Task A_broken_file_gets_the_problem_POST_search_gives_it_and_the_others_are_searched(string kind, string title, string reason)
    {
        var broken = Broken(kind);
        byte[][] images = [File.ReadAllBytes(collection.Paths[4]), File.ReadAllBytes(collection.Paths[9]), broken, File.ReadAllBytes(collection.Paths[6])];
        var alone = await Client.PostAsync("/search", Multipart.Image(broken, "broken.bin"));
        var expected = JsonDocument.Parse(await alone.Content.ReadAsStringAsync()).RootElement;

        using var response = await Client.PostAsync("/search/batch", Files(images));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(3, body.GetProperty("succeeded").GetInt32());
        var items = body.GetProperty("items");
        var item = items[2];
        Assert.Equal((int)alone.StatusCode, item.GetProperty("status").GetInt32());
        Assert.False(item.TryGetProperty("answer", out _));
        Assert.False(item.TryGetProperty("timings", out _));
        var problem = item.GetProperty("problem");
        Assert.Equal(title, problem.GetProperty("title").GetString());
        Assert.Equal(title, expected.GetProperty("title").GetString());
        Assert.Equal(expected.GetProperty("status").GetInt32(), problem.GetProperty("status").GetInt32());
        Assert.Equal(expected.GetProperty("detail").GetString(), problem.GetProperty("detail").GetString());
        Assert.Equal(expected.GetProperty("type").GetString(), problem.GetProperty("type").GetString());
        if (reason.Length > 0)
        {
            Assert.Equal(reason, problem.GetProperty("reason").GetString());
        }

        foreach (var (slot, path) in new[] { (0, 4), (1, 9), (3, 6) })
        {
            Assert.Equal(200, items[slot].GetProperty("status").GetInt32());
            Assert.Equal(collection.Paths[path], items[slot].GetProperty("answer").GetProperty("results")[0].GetProperty("source").GetString());
        }
    }

    [Fact]
    public async Task The_images_of_a_batch_share_inference_runs()
    {
        var images = collection.Paths.Take(2 * MaxBatchSize).Select(File.ReadAllBytes).ToArray();

        var (runsBefore, imagesBefore) = Embedder.Queue.Statistics;
        var batch = await Batch(images);
        var (runsAfter, imagesAfter) = Embedder.Queue.Statistics;

        Assert.Equal(images.Length, batch.Succeeded);
        Assert.Equal(images.Length, imagesAfter - imagesBefore);
        Assert.Equal(2, runsAfter - runsBefore);

        // The same images one request at a time: one run each.
        foreach (var image in images.Take(3))
        {
            await Search(image);
        }

        Assert.Equal(runsAfter + 3, Embedder.Queue.Statistics.Runs);
    }

    [Fact]
    public async Task A_broken_file_takes_no_place_in_the_shared_runs()
    {
        var images = collection.Paths.Take(5).Select(File.ReadAllBytes).Append(Broken("not-an-image")).ToArray();

        var (runsBefore, imagesBefore) = Embedder.Queue.Statistics;
        var batch = await Batch(images);
        var (runsAfter, imagesAfter) = Embedder.Queue.Statistics;

        Assert.Equal(5, batch.Succeeded);
        Assert.Equal(1, runsAfter - runsBefore);
        Assert.Equal(5, imagesAfter - imagesBefore);
    }

    [Theory]
    [InlineData(33)]
    [InlineData(60)]
    public async Task More_files_than_MaxBatchFiles_is_a_400_and_nothing_is_inferred(int count)
    {
        var image = TestImages.Pattern(2, 32, 24);
        var before = Embedder.Queue.Statistics;

        using var response = await Client.PostAsync("/search/batch", Files(Enumerable.Repeat(image, count).ToArray()));

        var problem = await AssertProblem(response, HttpStatusCode.BadRequest, "Too many files");
        Assert.Contains("ImageFinder:MaxBatchFiles", problem.GetProperty("detail").GetString());
        Assert.Equal(before, Embedder.Queue.Statistics);
    }

    [Fact]
    public async Task MaxBatchFiles_files_are_accepted()
    {
        var image = TestImages.Pattern(2, 32, 24);
        var batch = await Batch(Enumerable.Repeat(image, 32).ToArray());

        Assert.Equal(32, batch.Succeeded);
        Assert.Single(batch.Items.Select(item => item.Answer!.Results[0].Index).Distinct());
    }

    [Fact]
    public async Task K_and_maxDistance_apply_to_every_item()
    {
        var images = new[] { 0, 8 }.Select(i => File.ReadAllBytes(collection.Paths[i])).ToArray();

        var byQuery = await Batch(images, "?k=6");
        Assert.All(byQuery.Items, item => Assert.Equal(6, item.Answer!.Results.Count));

        var byForm = await Batch(images, fields: ("k", "2"));
        Assert.All(byForm.Items, item => Assert.Equal(2, item.Answer!.Results.Count));

        // Each image is in the collection: only itself is within 0.001.
        var near = await Batch(images, "?k=10&maxDistance=0.001");
        Assert.All(near.Items, item =>
        {
            Assert.True(item.Answer!.Match);
            Assert.Single(item.Answer.Results);
        });
        AssertSameAnswer(await Search(images[1], "?k=10&maxDistance=0.001"), near.Items[1].Answer!);
    }

    [Theory]
    [InlineData("?k=0", "Invalid 'k'")]
    [InlineData("?k=101", "Invalid 'k'")]
    [InlineData("?maxDistance=-1", "Invalid 'maxDistance'")]
    public async Task A_bad_parameter_is_a_400_and_nothing_is_inferred(string query, string title)
    {
        var before = Embedder.Queue.Statistics;
        using var response = await Client.PostAsync("/search/batch" + query, Files([File.ReadAllBytes(collection.Paths[0])]));

        await AssertProblem(response, HttpStatusCode.BadRequest, title);
        Assert.Equal(before, Embedder.Queue.Statistics);
    }

    [Fact]
    public async Task A_non_numeric_k_form_field_is_a_400()
    {
        using var response = await Client.PostAsync("/search/batch", Files([File.ReadAllBytes(collection.Paths[0])], ("k", "many")));
        await AssertProblem(response, HttpStatusCode.BadRequest, "Invalid 'k'");
    }

    [Fact]
    public async Task A_body_over_MaxBatchUploadBytes_is_a_413_and_nothing_is_inferred()
    {
        // Each file is within MaxUploadBytes (1 MiB); together they pass the 4 MiB batch limit.
        var file = new byte[1024 * 1024];
        new Random(3).NextBytes(file);
        var before = Embedder.Queue.Statistics;

        using var response = await Client.PostAsync("/search/batch", Files(Enumerable.Repeat(file, 5).ToArray()));

        var problem = await AssertProblem(response, HttpStatusCode.RequestEntityTooLarge, "Upload too large");
        Assert.Contains("ImageFinder:MaxBatchUploadBytes", problem.GetProperty("detail").GetString());
        Assert.Equal(before, Embedder.Queue.Statistics);
    }

    [Fact]
    public async Task A_body_that_is_not_multipart_is_a_415()
    {
        var content = new ByteArrayContent(File.ReadAllBytes(collection.Paths[0]));
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var response = await Client.PostAsync("/search/batch", content);

        await AssertProblem(response, HttpStatusCode.UnsupportedMediaType, "Unsupported Media Type");
    }

    [Fact]
    public async Task A_form_without_a_file_part_is_a_415()
    {
        using var response = await Client.PostAsync("/search/batch", Multipart.Image(File.ReadAllBytes(collection.Paths[0]), partName: "image"));
        await AssertProblem(response, HttpStatusCode.UnsupportedMediaType, "Unsupported upload");
    }

    [Fact]
    public async Task On_an_empty_collection_every_item_is_a_200_without_a_match()
    {
        await using var factory = EmptyCollectionApi();
        using var client = await factory.CreateReadyClientAsync();

        using var response = await client.PostAsync("/search/batch", Files([File.ReadAllBytes(collection.Paths[0]), Broken("empty"), File.ReadAllBytes(collection.Paths[1])]));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var batch = (await response.Content.ReadFromJsonAsync<BatchSearchResponse>())!;
        Assert.Equal(2, batch.Succeeded);
        Assert.Equal([200, 400, 200], batch.Items.Select(item => item.Status));
        Assert.All(new[] { batch.Items[0], batch.Items[2] }, item =>
        {
            Assert.False(item.Answer!.Match);
            Assert.Empty(item.Answer.Results);
        });
    }

    [Fact]
    public async Task Swagger_documents_the_batch_endpoint_with_its_schemas_and_an_example()
    {
        using var document = JsonDocument.Parse(await Client.GetStringAsync("/swagger/v1/swagger.json"));
        var batch = document.RootElement.GetProperty("paths").GetProperty("/search/batch").GetProperty("post");

        Assert.False(string.IsNullOrWhiteSpace(batch.GetProperty("summary").GetString()));
        Assert.Contains("MaxBatchFiles", batch.GetProperty("description").GetString());
        var ok = batch.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("application/json");
        Assert.EndsWith("/BatchSearchResponse", ok.GetProperty("schema").GetProperty("$ref").GetString());
        Assert.Equal(2, ok.GetProperty("example").GetProperty("items").GetArrayLength());
        foreach (var status in new[] { "400", "413", "415", "503" })
        {
            Assert.True(batch.GetProperty("responses").TryGetProperty(status, out _), $"no {status}");
        }

        var form = batch.GetProperty("requestBody").GetProperty("content").GetProperty("multipart/form-data").GetProperty("schema");
        Assert.EndsWith("/SearchBatchUpload", form.GetProperty("$ref").GetString());
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");
        var file = schemas.GetProperty("SearchBatchUpload").GetProperty("properties").GetProperty("file");
        Assert.Equal("array", file.GetProperty("type").GetString());
        Assert.Equal("binary", file.GetProperty("items").GetProperty("format").GetString());
        var item = schemas.GetProperty("BatchSearchItem").GetProperty("properties");
        Assert.Contains("#/components/schemas/SearchResponse\"", item.GetProperty("answer").GetRawText());
        Assert.Contains("#/components/schemas/ProblemDetails\"", item.GetProperty("problem").GetRawText());
        Assert.Contains("#/components/schemas/SearchTimings\"", item.GetProperty("timings").GetRawText());
    }

    private static void AssertSameAnswer(SearchResponse expected, SearchResponse actual)
    {
        Assert.Equal(expected.Model, actual.Model);
        Assert.Equal(expected.Metric, actual.Metric);
        Assert.Equal(expected.Match, actual.Match);
        Assert.Equal(expected.Results.Select(r => (r.Index, r.Source, r.Label)), actual.Results.Select(r => (r.Index, r.Source, r.Label)));
        // A run of several images may round differently from a run of one.
        Assert.All(expected.Results.Zip(actual.Results), pair => Assert.Equal(pair.First.Distance, pair.Second.Distance, 1e-3f));
    }

    private static byte[] Broken(string kind)
    {
        switch (kind)
        {
            case "not-an-image":
                return "<html><body>not an image</body></html>"u8.ToArray();
            case "truncated":
                var jpeg = TestImages.Pattern(3, 400, 300, EncodedFormat.Jpeg);
                return jpeg[..(jpeg.Length / 3)];
            case "empty":
                return [];
            case "too-many-pixels":
                return PngWriter.LyingHeader(60000, 60000);
            default:
                var big = new byte[(1024 * 1024) + 1];
                new Random(1).NextBytes(big);
                return big;
        }
    }

    private static MultipartFormDataContent Files(byte[][] images, params (string Name, string Value)[] fields)
    {
        var content = new MultipartFormDataContent();
        for (var i = 0; i < images.Length; i++)
        {
            var file = new ByteArrayContent(images[i]);
            file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            content.Add(file, "file", $"image-{i}.png");
        }

        foreach (var (name, value) in fields)
        {
            content.Add(new StringContent(value), name);
        }

        return content;
    }

    private async Task<BatchSearchResponse> Batch(byte[][] images, string query = "", params (string Name, string Value)[] fields)
    {
        using var response = await Client.PostAsync("/search/batch" + query, Files(images, fields));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<BatchSearchResponse>())!;
    }

    private async Task<SearchResponse> Search(byte[] image, string query = "")
    {
        using var response = await Client.PostAsync("/search" + query, Multipart.Image(image));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SearchResponse>())!;
    }

    private static async Task<JsonElement> AssertProblem(HttpResponseMessage response, HttpStatusCode status, string title)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(title, problem.GetProperty("title").GetString());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        return problem;
    }
}

/// <summary><see cref="BatchSearchApiTests"/> on the SQLite store.</summary>
public sealed class BatchSearchApiTestsOnSqlite(BatchCollectionFixture collection) : BatchSearchApiTests(collection), IClassFixture<BatchCollectionFixture>
{
    protected override ApiFactory EmptyCollectionApi() =>
        new(collection.Temp.Combine($"empty-{Guid.NewGuid():N}.db"), new Dictionary<string, string?>(BatchCollectionFixture.BatchSettings) { ["ImageFinder:MaxUploadBytes"] = (1024 * 1024).ToString() });
}

/// <summary><see cref="BatchSearchApiTests"/> on the Garnet store.</summary>
public sealed class BatchSearchApiTestsOnGarnet(BatchGarnetCollectionFixture collection) : BatchSearchApiTests(collection), IClassFixture<BatchGarnetCollectionFixture>
{
    protected override ApiFactory EmptyCollectionApi() =>
        new(collection.Temp.Combine("unused.db"), new Dictionary<string, string?>(BatchCollectionFixture.BatchSettings)
        {
            ["ImageFinder:MaxUploadBytes"] = (1024 * 1024).ToString(),
            ["ImageFinder:Store"] = "garnet",
            ["ImageFinder:Garnet:Endpoints"] = collection.Garnet.Endpoint,
            ["ImageFinder:Garnet:Prefix"] = $"empty-{Guid.NewGuid():N}",
            ["ImageFinder:Garnet:Shards"] = "4",
        });
}
