using System.Net;
using System.Net.Http.Json;
using ImageFinder.Api.Images;
using ImageFinder.Api.Stats;
using ImageFinder.Tests.Api;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Reliability;

/// <summary><c>POST /images</c> with every case of the hostile corpus, through the real host with an API key.</summary>
public abstract class HostileUploadTests(CollectionFixture collection)
{
    [Theory]
    [MemberData(nameof(HostileCorpus.Names), MemberType = typeof(HostileCorpus))]
    public async Task Every_hostile_upload_is_added_or_refused_with_a_4xx_that_changes_nothing(string name)
    {
        var item = HostileCorpus.Get(name);
        var countBefore = await CountAsync();
        var filesBefore = UploadedFiles();

        using var request = new HttpRequestMessage(HttpMethod.Post, "/images") { Content = Multipart.RawFile(item.Bytes, item.FileName) };
        request.Headers.Add("X-Api-Key", KeyedCollectionFixture.Key);
        using var response = await collection.Client.SendAsync(request);

        var status = (int)response.StatusCode;
        Assert.True(status < 500, $"{name}: {status} {await response.Content.ReadAsStringAsync()}");
        if (item.Expected == HostileOutcome.Accepted || (item.Expected == HostileOutcome.Either && status is 200 or 201))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var added = (await response.Content.ReadFromJsonAsync<ImageAdded>())!;
            // Stored under its hash in the uploads folder, whatever name it was sent with.
            Assert.Equal(collection.Uploads, Path.GetDirectoryName(added.Image.Source));
            Assert.Equal(item.Bytes, await File.ReadAllBytesAsync(added.Image.Source));
            Assert.Equal(countBefore + 1, await CountAsync());
            Assert.Equal(filesBefore + 1, UploadedFiles());
            return;
        }

        var problem = await Problem.AssertAsync(response, response.StatusCode);
        Assert.InRange(status, 400, 499);
        if (item.Reason is { } reason)
        {
            Assert.Equal(reason.ToString(), problem.GetProperty("reason").GetString());
        }

        Assert.Equal(countBefore, await CountAsync());
        Assert.Equal(filesBefore, UploadedFiles());
    }

    private int UploadedFiles() => Directory.Exists(collection.Uploads) ? Directory.GetFiles(collection.Uploads, "*", SearchOption.AllDirectories).Length : 0;

    private async Task<long> CountAsync() => (await collection.Client.GetFromJsonAsync<StatsResponse>("/stats"))!.Count;
}

/// <summary><see cref="HostileUploadTests"/> on the SQLite store.</summary>
public sealed class HostileUploadTestsOnSqlite(KeyedCollectionFixture collection) : HostileUploadTests(collection), IClassFixture<KeyedCollectionFixture>;

/// <summary><see cref="HostileUploadTests"/> on the Garnet store.</summary>
public sealed class HostileUploadTestsOnGarnet(KeyedGarnetCollectionFixture collection) : HostileUploadTests(collection), IClassFixture<KeyedGarnetCollectionFixture>;
