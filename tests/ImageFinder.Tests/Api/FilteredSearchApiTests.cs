using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ImageFinder.Api.Images;
using ImageFinder.Api.Labels;
using ImageFinder.Api.Search;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Api;

/// <summary>The search filters through the real host, on a collection in three folders (<see cref="LabelledCollectionFixture"/>).</summary>
public abstract class FilteredSearchApiTests(CollectionFixture collection)
{
    private HttpClient Client => collection.Client;

    private IEnumerable<int> Indices(string label) => Enumerable.Range(0, collection.Paths.Count).Where(i => LabelledCollectionFixture.LabelOf(i) == label);

    [Fact]
    public async Task A_label_filter_returns_the_k_nearest_among_that_folder_only_never_fewer_than_it_holds()
    {
        // A dog is the query, k = 10: the 3 cats, and nothing else, however near the dogs are.
        var response = await SearchAsync(collection.Paths[4], "?k=10&label=cats");

        Assert.True(response.Match);
        Assert.Equal(Indices("cats").Select(i => collection.Paths[i]).Order(), response.Results.Select(r => r.Source).Order());
        Assert.All(response.Results, r => Assert.Equal("cats", r.Label));
        Assert.Equal(response.Results.OrderBy(r => r.Distance).Select(r => r.Index), response.Results.Select(r => r.Index));
    }

    [Fact]
    public async Task Labels_given_as_form_fields_work_like_query_parameters_and_several_mean_any_of_them()
    {
        var bytes = await File.ReadAllBytesAsync(collection.Paths[10]);
        using var content = Multipart.Image(bytes, fields: [("k", "10"), ("label", "cats"), ("label", "dogs")]);
        using var response = await Client.PostAsync("/search", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<SearchResponse>())!;
        Assert.Equal(8, body.Results.Count);
        Assert.All(body.Results, r => Assert.Contains(r.Label, new[] { "cats", "dogs" }));
        var byQuery = await SearchAsync(collection.Paths[10], "?k=10&label=cats&label=dogs");
        Assert.Equal(byQuery.Results.Select(r => r.Index), body.Results.Select(r => r.Index));
    }

    [Fact]
    public async Task Minimum_sizes_keep_only_images_at_least_that_large()
    {
        // Widths are 320 + 40·(i mod 5): at least 440 wide are i mod 5 in {3, 4}; heights 240 + 30·(i mod 3): at least 300 high is i mod 3 = 2.
        var expected = Enumerable.Range(0, collection.Paths.Count).Where(i => i % 5 >= 3 && i % 3 == 2).Select(i => collection.Paths[i]).Order();

        var response = await SearchAsync(collection.Paths[0], "?k=16&minWidth=440&minHeight=300");

        Assert.Equal(expected, response.Results.Select(r => r.Source).Order());
    }

    [Fact]
    public async Task The_added_window_keeps_what_was_added_inside_it()
    {
        var all = await Client.GetFromJsonAsync<ImagePage>("/images?limit=100");
        var added = all!.Items.Select(i => i.Added).ToList();
        var before = Uri.EscapeDataString(added.Min().AddSeconds(-1).ToString("O"));
        var after = Uri.EscapeDataString(added.Max().AddSeconds(1).ToString("O"));

        var none = await SearchAsync(collection.Paths[0], $"?k=5&addedBefore={before}");
        var alsoNone = await SearchAsync(collection.Paths[0], $"?k=5&addedAfter={after}");
        var every = await SearchAsync(collection.Paths[0], $"?k=5&addedAfter={before}&addedBefore={after}");

        Assert.False(none.Match);
        Assert.Empty(none.Results);
        Assert.Empty(alsoNone.Results);
        Assert.Equal((await SearchAsync(collection.Paths[0], "?k=5")).Results.Select(r => r.Index), every.Results.Select(r => r.Index));
    }

    [Fact]
    public async Task Similar_takes_the_same_filters_and_leaves_the_image_itself_out()
    {
        var page = await Client.GetFromJsonAsync<ImagePage>("/images?limit=100");
        var dog = page!.Items.First(i => i.Label == "dogs");

        var response = await Client.GetFromJsonAsync<SearchResponse>($"/images/{dog.Id}/similar?k=10&label=dogs");

        Assert.Equal(4, response!.Results.Count);
        Assert.DoesNotContain(response.Results, r => r.Index == dog.Id);
        Assert.All(response.Results, r => Assert.Equal("dogs", r.Label));
    }

    [Fact]
    public async Task Search_by_url_takes_the_filters_in_its_body()
    {
        await using var server = await TestImageServer.StartAsync();

        var response = await Client.PostAsJsonAsync("/search/url", new { url = server.Url("/png/3"), k = 10, label = new[] { "cats" }, minWidth = 360 });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<SearchResponse>())!;
        // Cats are images 0..2, 320, 360 and 400 wide: two are at least 360.
        Assert.Equal([collection.Paths[1], collection.Paths[2]], body.Results.Select(r => r.Source).Order());
    }

    [Theory]
    [InlineData("?minWidth=-1", "minWidth")]
    [InlineData("?minHeight=-5", "minHeight")]
    [InlineData("?label=", "label")]
    [InlineData("?addedAfter=2026-05-01T00:00:00Z&addedBefore=2026-04-01T00:00:00Z", "addedBefore")]
    [InlineData("?addedAfter=2026-05-01T00:00:00Z&addedBefore=2026-05-01T00:00:00Z", "addedBefore")]
    public async Task A_bad_filter_is_a_400_naming_it(string query, string parameter)
    {
        using var response = await Client.PostAsync("/search" + query, Multipart.Image(await File.ReadAllBytesAsync(collection.Paths[0])));

        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(parameter, problem.GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("addedAfter", "last tuesday")]
    [InlineData("minWidth", "wide")]
    public async Task A_bad_filter_form_field_is_a_400_naming_it(string name, string value)
    {
        using var response = await Client.PostAsync("/search", Multipart.Image(await File.ReadAllBytesAsync(collection.Paths[0]), fields: (name, value)));

        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest);
        Assert.Contains(name, problem.GetProperty("title").GetString());
    }

    [Fact]
    public async Task An_unparseable_date_in_the_query_string_is_a_400_problem()
    {
        using var response = await Client.PostAsync("/search?addedAfter=yesterday", Multipart.Image(await File.ReadAllBytesAsync(collection.Paths[0])));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Labels_lists_every_folder_with_its_image_count()
    {
        var labels = await Client.GetFromJsonAsync<LabelsResponse>("/labels");

        Assert.Equal([new LabelCount("birds", 8), new LabelCount("cats", 3), new LabelCount("dogs", 5)], labels!.Labels);
        Assert.Equal(0, labels.Unlabelled);
    }

    [Fact]
    public async Task Swagger_documents_the_filters_and_the_labels_endpoint()
    {
        using var document = JsonDocument.Parse(await Client.GetStringAsync("/swagger/v1/swagger.json"));
        var paths = document.RootElement.GetProperty("paths");
        foreach (var (path, method) in new[] { ("/search", "post"), ("/images/{id}/similar", "get") })
        {
            var operation = paths.GetProperty(path).GetProperty(method);
            var names = operation.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();
            Assert.Superset(new HashSet<string?> { "label", "addedAfter", "addedBefore", "minWidth", "minHeight" }, names.ToHashSet());
            Assert.Contains("among those that match", operation.GetProperty("description").GetString());
        }

        Assert.True(paths.GetProperty("/labels").TryGetProperty("get", out _));
    }

    private async Task<SearchResponse> SearchAsync(string path, string query)
    {
        using var response = await Client.PostAsync("/search" + query, Multipart.Image(await File.ReadAllBytesAsync(path)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SearchResponse>())!;
    }
}

/// <summary><see cref="FilteredSearchApiTests"/> on the SQLite store.</summary>
public sealed class FilteredSearchApiTestsOnSqlite(LabelledCollectionFixture collection) : FilteredSearchApiTests(collection), IClassFixture<LabelledCollectionFixture>;

/// <summary><see cref="FilteredSearchApiTests"/> on the Garnet store.</summary>
public sealed class FilteredSearchApiTestsOnGarnet(LabelledGarnetCollectionFixture collection) : FilteredSearchApiTests(collection), IClassFixture<LabelledGarnetCollectionFixture>;
