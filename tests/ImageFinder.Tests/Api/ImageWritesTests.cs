using System.Net;
using System.Net.Http.Json;
using ImageFinder.Api.Images;
using ImageFinder.Api.Search;
using ImageFinder.Api.Stats;
using ImageFinder.Imaging;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Api;

/// <summary>POST and DELETE /images through the real host: the key, idempotent adds, deletes that take row, vector and file.</summary>
public abstract class ImageWritesTests(CollectionFixture collection)
{
    private HttpClient Client => collection.Client;

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key-0123456789abcdef")]
    [InlineData("test-key-0123456789abcde")]
    public async Task Writes_without_the_right_key_are_401_and_change_nothing(string? key)
    {
        var before = await CountAsync();

        var post = await Client.SendAsync(WithKey(HttpMethod.Post, "/images", key, Multipart.Image(TestImages.Pattern(41))));
        var delete = await Client.SendAsync(WithKey(HttpMethod.Delete, "/images/1", key));

        Assert.Equal("API key required", (await Problem.AssertAsync(post, HttpStatusCode.Unauthorized)).GetProperty("title").GetString());
        Assert.Contains("X-Api-Key", post.Headers.WwwAuthenticate.ToString());
        await Problem.AssertAsync(delete, HttpStatusCode.Unauthorized);
        Assert.Equal(before, await CountAsync());
        Assert.NotNull(await Client.GetFromJsonAsync<ImageInfo>("/images/1"));
    }

    [Fact]
    public async Task An_added_image_gets_an_id_is_searchable_and_the_same_bytes_again_give_the_same_id()
    {
        var bytes = TestImages.Pattern(42, 200, 150, EncodedFormat.Jpeg);
        var before = await CountAsync();

        var first = await Client.SendAsync(WithKey(HttpMethod.Post, "/images", KeyedCollectionFixture.Key, Multipart.Image(bytes, "new.jpg")));
        var second = await Client.SendAsync(WithKey(HttpMethod.Post, "/images", KeyedCollectionFixture.Key, Multipart.Image(bytes, "again.jpg")));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var added = (await first.Content.ReadFromJsonAsync<ImageAdded>())!;
        Assert.True(added.Created);
        Assert.Equal($"/images/{added.Id}", first.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var again = (await second.Content.ReadFromJsonAsync<ImageAdded>())!;
        Assert.False(again.Created);
        Assert.Equal(added.Id, again.Id);
        Assert.Equal(before + 1, await CountAsync());

        Assert.Equal(bytes, await File.ReadAllBytesAsync(added.Image.Source));
        Assert.Equal(collection.Uploads, Path.GetDirectoryName(added.Image.Source));
        Assert.Equal((200, 150), (added.Image.Width, added.Image.Height));
        var search = await Client.PostAsync("/search", Multipart.Image(bytes));
        var hit = (await search.Content.ReadFromJsonAsync<SearchResponse>())!.Results[0];
        Assert.Equal((added.Id, 0f), (hit.Index, hit.Distance));
    }

    [Fact]
    public async Task Bytes_already_ingested_from_the_folder_are_not_added_twice()
    {
        var before = await CountAsync();
        var existing = (await Client.GetFromJsonAsync<ImagePage>("/images?limit=1"))!.Items[0];

        var response = await Client.SendAsync(WithKey(HttpMethod.Post, "/images", KeyedCollectionFixture.Key, Multipart.Image(await File.ReadAllBytesAsync(existing.Source))));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(existing.Id, (await response.Content.ReadFromJsonAsync<ImageAdded>())!.Id);
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task A_bad_upload_is_a_400_and_leaves_no_row_and_no_file()
    {
        var before = await CountAsync();
        var jpeg = TestImages.Pattern(43, 200, 150, EncodedFormat.Jpeg);

        var junk = await Client.SendAsync(WithKey(HttpMethod.Post, "/images", KeyedCollectionFixture.Key, Multipart.Image("<html>not an image</html>"u8.ToArray(), "x.jpg")));
        var truncated = await Client.SendAsync(WithKey(HttpMethod.Post, "/images", KeyedCollectionFixture.Key, Multipart.Image(jpeg[..(jpeg.Length / 2)], "half.jpg")));

        await Problem.AssertAsync(junk, HttpStatusCode.BadRequest);
        await Problem.AssertAsync(truncated, HttpStatusCode.BadRequest);
        Assert.Equal(before, await CountAsync());
        var files = Directory.Exists(collection.Uploads) ? Directory.GetFiles(collection.Uploads) : [];
        Assert.DoesNotContain(files, file => file.EndsWith(".tmp", StringComparison.Ordinal));
        Assert.Equal(files.Length, (await Client.GetFromJsonAsync<ImagePage>("/images?limit=1000"))!.Items.Count(i => i.Source.StartsWith(collection.Uploads, StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Delete_removes_row_vector_and_upload_file_together()
    {
        var bytes = TestImages.Pattern(44, 180, 120);
        var added = (await (await Client.SendAsync(WithKey(HttpMethod.Post, "/images", KeyedCollectionFixture.Key, Multipart.Image(bytes)))).Content.ReadFromJsonAsync<ImageAdded>())!;
        var before = await CountAsync();

        var delete = await Client.SendAsync(WithKey(HttpMethod.Delete, $"/images/{added.Id}", KeyedCollectionFixture.Key));
        var deleteAgain = await Client.SendAsync(WithKey(HttpMethod.Delete, $"/images/{added.Id}", KeyedCollectionFixture.Key));

        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        await Problem.AssertAsync(deleteAgain, HttpStatusCode.NotFound);
        Assert.Equal(before - 1, await CountAsync());
        Assert.False(File.Exists(added.Image.Source));
        await Problem.AssertAsync(await Client.GetAsync($"/images/{added.Id}"), HttpStatusCode.NotFound);
        var search = (await (await Client.PostAsync("/search?k=100", Multipart.Image(bytes))).Content.ReadFromJsonAsync<SearchResponse>())!;
        Assert.DoesNotContain(search.Results, result => result.Index == added.Id);
    }

    [Fact]
    public async Task Deleting_an_ingested_image_keeps_the_users_file()
    {
        var image = (await Client.GetFromJsonAsync<ImagePage>("/images?offset=15&limit=1"))!.Items[0];

        var delete = await Client.SendAsync(WithKey(HttpMethod.Delete, $"/images/{image.Id}", KeyedCollectionFixture.Key));

        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.True(File.Exists(image.Source));
    }

    private static HttpRequestMessage WithKey(HttpMethod method, string url, string? key, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, url) { Content = content };
        if (key is not null)
        {
            request.Headers.Add("X-Api-Key", key);
        }

        return request;
    }

    private async Task<long> CountAsync() => (await Client.GetFromJsonAsync<StatsResponse>("/stats"))!.Count;
}

/// <summary><see cref="ImageWritesTests"/> on the SQLite store.</summary>
public sealed class ImageWritesTestsOnSqlite(KeyedCollectionFixture collection) : ImageWritesTests(collection), IClassFixture<KeyedCollectionFixture>;

/// <summary><see cref="ImageWritesTests"/> on the Garnet store.</summary>
public sealed class ImageWritesTestsOnGarnet(KeyedGarnetCollectionFixture collection) : ImageWritesTests(collection), IClassFixture<KeyedGarnetCollectionFixture>;
