using System.Net;
using System.Net.Http.Json;
using ImageFinder.Api.Search;
using ImageFinder.Tests.Api;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Reliability;

/// <summary><c>POST /search</c> with every case of the hostile corpus, through the real host.</summary>
public sealed class HostileSearchTests(CollectionFixture collection) : IClassFixture<CollectionFixture>
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
}
