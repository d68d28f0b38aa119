using System.Net;
using System.Net.Http.Json;
using ImageFinder.Api.Search;
using ImageFinder.Tests.Api;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Reliability;

/// <summary><c>POST /search</c> with every case of the hostile corpus, through the real host.</summary>
public abstract class HostileSearchTests(CollectionFixture collection)
{
    [Theory]
    [MemberData(nameof(HostileCorpus.Names), MemberType = typeof(HostileCorpus))]
    public async Task Every_hostile_upload_gets_a_result_or_a_4xx_problem_never_a_5xx(string name)
    {
        var item = HostileCorpus.Get(name);

        using var response = await collection.Client.PostAsync("/search", Multipart.RawFile(item.Bytes, item.FileName));

        var status = (int)response.StatusCode;
        Assert.True(status < 500, $"{name}: {status} {await response.Content.ReadAsStringAsync()}");
        if (item.Expected == HostileOutcome.Accepted || (item.Expected == HostileOutcome.Either && status == 200))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var answer = await response.Content.ReadFromJsonAsync<SearchResponse>();
            Assert.Equal(3, answer!.Results.Count);
            return;
        }

        Assert.InRange(status, 400, 499);
        var problem = await Problem.AssertAsync(response, response.StatusCode);
        if (item.Reason is { } reason)
        {
            Assert.Equal(reason.ToString(), problem.GetProperty("reason").GetString());
        }
    }

    [Fact]
    public async Task Concurrent_broken_uploads_each_get_their_own_reason_in_ImageFinders_words_never_libvips_text()
    {
        // libvips has one error buffer per process: with decodes in parallel, its text could describe another
        // request's image. Clients get our fixed wording for their own failure; libvips' text goes to the log.
        var jpeg = TestImages.Pattern(21, 640, 480, ImageFinder.Imaging.EncodedFormat.Jpeg);
        var png = TestImages.Pattern(22, 640, 480, ImageFinder.Imaging.EncodedFormat.Png);
        var cases = Enumerable.Range(0, 24).Select(i => (i % 3) switch
        {
            0 => (Bytes: jpeg[..(jpeg.Length / 2)], Name: "cut.jpg", Reason: "Corrupt", Detail: "The image data could not be decoded."),
            1 => (Bytes: png[..(png.Length / 2)], Name: "cut.png", Reason: "Corrupt", Detail: "The image data could not be decoded."),
            _ => (Bytes: "<html>not an image</html>"u8.ToArray(), Name: "page.jpg", Reason: "UnsupportedFormat",
                Detail: "Not an image format ImageFinder can read (JPEG, PNG, WebP, GIF, TIFF, HEIF/AVIF, SVG)."),
        }).ToList();

        var answers = await Task.WhenAll(cases.Select(async c =>
        {
            using var response = await collection.Client.PostAsync("/search", Multipart.RawFile(c.Bytes, c.Name));
            return (Case: c, Problem: await Problem.AssertAsync(response, HttpStatusCode.BadRequest));
        }));

        Assert.All(answers, answer =>
        {
            Assert.Equal(answer.Case.Reason, answer.Problem.GetProperty("reason").GetString());
            Assert.Equal(answer.Case.Detail, answer.Problem.GetProperty("detail").GetString());
        });
    }
}

/// <summary><see cref="HostileSearchTests"/> on the SQLite store.</summary>
public sealed class HostileSearchTestsOnSqlite(CollectionFixture collection) : HostileSearchTests(collection), IClassFixture<CollectionFixture>;

/// <summary><see cref="HostileSearchTests"/> on the Garnet store.</summary>
public sealed class HostileSearchTestsOnGarnet(GarnetCollectionFixture collection) : HostileSearchTests(collection), IClassFixture<GarnetCollectionFixture>;
