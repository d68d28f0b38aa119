using System.Net;
using System.Net.Http.Json;
using ImageFinder.Api.Health;
using ImageFinder.Api.Images;
using ImageFinder.Api.Search;
using ImageFinder.Api.Stats;
using ImageFinder.Tests.Api;
using ImageFinder.Tests.Support;
using StackExchange.Redis;

namespace ImageFinder.Tests.Garnet;

/// <summary>
/// The whole path on a real local cluster (3 primaries, 1 replica of primary 1; separate garnet-server processes):
/// ingest through the CLI, search through two API processes, a write through one seen by the other, then primary 1
/// killed: 503s that name the store, the replica promoted, and everything that was acknowledged (and replicated) there.
/// </summary>
public sealed class ClusterPathTests : IDisposable
{
    private static readonly TimeSpan CliTimeout = TimeSpan.FromMinutes(3);
    private readonly TempFolder temp = new();

    [Fact]
    public async Task Ingest_search_write_and_a_primary_failover_through_two_API_processes()
    {
        await using var cluster = await LocalCluster.StartAsync();
        var environment = Environment(cluster.Endpoints);
        await AssertSomeShardLivesOnPrimary1Async(cluster);
        var paths = TestImages.WriteCollection(temp.Combine("images"), 12);

        var ingest = await CliProcess.RunAsync(CliTimeout, environment, "ingest", "--folder", temp.Combine("images"), "--model", TestModel.Path);
        Assert.True(ingest.ExitCode == 0, ingest.Output + ingest.Error);
        Assert.Contains("12 added", ingest.Output, StringComparison.Ordinal);

        var started = await Task.WhenAll(ApiServerProcess.StartAsync(environment), ApiServerProcess.StartAsync(environment));
        await using var a = started[0];
        await using var b = started[1];

        // Both processes answer from the same collection.
        var fromA = await SearchAsync(a, await File.ReadAllBytesAsync(paths[4]));
        var fromB = await SearchAsync(b, await File.ReadAllBytesAsync(paths[4]));
        Assert.Equal(paths[4], fromA.Results[0].Source);
        Assert.Equal(0f, fromA.Results[0].Distance, 1e-4f);
        Assert.Equal(fromA.Results.Select(r => r.Index), fromB.Results.Select(r => r.Index));

        // A write through A is seen by B on its next request.
        var upload = TestImages.Pattern(77, 200, 160);
        var added = await AddAsync(a, upload, "seventy-seven.png");
        Assert.Equal(HttpStatusCode.OK, (await b.Client.GetAsync($"/images/{added.Id}")).StatusCode);
        Assert.Equal(added.Id, (await SearchAsync(b, upload)).Results[0].Index);
        Assert.Equal(13, (await b.Client.GetFromJsonAsync<StatsResponse>("/stats"))!.Count);
        var acknowledged = (await b.Client.GetFromJsonAsync<ImagePage>("/images?limit=100"))!.Items.Select(i => i.Id).ToList();

        // Replication is asynchronous (Garnet has no WAIT): what is checked below is what reached the replica.
        await cluster.WaitForReplicasAsync();
        await cluster.KillPrimaryAsync(1);

        var down = await a.Client.PostAsync("/search", Multipart.Image(upload));
        var problem = await Problem.AssertAsync(down, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("Store unavailable", problem.GetProperty("title").GetString());
        Assert.Equal("garnet", problem.GetProperty("store").GetString());
        Assert.Contains("ImageFinder:Garnet:Endpoints", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(down.Headers.Contains("Retry-After"));
        var health = await b.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        var unhealthy = (await health.Content.ReadFromJsonAsync<HealthResponse>())!;
        Assert.Equal(("unavailable", "garnet", false), (unhealthy.Status, unhealthy.Store, unhealthy.StoreReachable));
        var failedIngest = await CliProcess.RunAsync(CliTimeout, environment, "ingest", "--folder", temp.Combine("images"), "--model", TestModel.Path);
        Assert.Equal(1, failedIngest.ExitCode);
        Assert.Contains("does not answer", failedIngest.Error, StringComparison.Ordinal);

        await cluster.FailoverAsync();
        await WaitUntilHealthyAsync(a);
        await WaitUntilHealthyAsync(b);

        // Everything acknowledged before the kill is there, through either process, vectors included.
        var after = (await a.Client.GetFromJsonAsync<ImagePage>("/images?limit=100"))!.Items.Select(i => i.Id).ToList();
        Assert.Equal(acknowledged, after);
        foreach (var id in acknowledged)
        {
            var similar = await b.Client.GetAsync($"/images/{id}/similar?k=1");
            Assert.True(similar.StatusCode == HttpStatusCode.OK, $"image {id}: {(int)similar.StatusCode} {await similar.Content.ReadAsStringAsync()}");
        }

        Assert.Equal(added.Id, (await SearchAsync(a, upload)).Results[0].Index);

        // Writes go on (new ids, no reuse), through B this time, and A sees them; the ingest job runs again cleanly.
        var later = await AddAsync(b, TestImages.Pattern(78, 200, 160), "seventy-eight.png");
        Assert.True(later.Id > acknowledged.Max());
        Assert.Equal(HttpStatusCode.OK, (await a.Client.GetAsync($"/images/{later.Id}")).StatusCode);
        var rerun = await CliProcess.RunAsync(CliTimeout, environment, "ingest", "--folder", temp.Combine("images"), "--model", TestModel.Path);
        Assert.True(rerun.ExitCode == 0, rerun.Output + rerun.Error);
        Assert.Contains("0 added, 0 updated, 12 unchanged", rerun.Output, StringComparison.Ordinal);
    }

    public void Dispose() => temp.Dispose();

    private Dictionary<string, string?> Environment(string endpoints) => new()
    {
        ["ImageFinder__Store"] = "garnet",
        ["ImageFinder__Garnet__Endpoints"] = endpoints,
        ["ImageFinder__Garnet__Prefix"] = "whole-path",
        ["ImageFinder__Garnet__Shards"] = "16",
        ["ImageFinder__Garnet__TimeoutMs"] = "2000",
        ["ImageFinder__ModelPath"] = TestModel.Path,
        ["ImageFinder__Database"] = temp.Combine("api", "unused.db"),
        ["ImageFinder__UploadsFolder"] = temp.Combine("uploads"),
        ["ImageFinder__ApiKey"] = KeyedCollectionFixture.Key,
        ["ImageFinder__IntraOpThreads"] = "1",
    };

    /// <summary>The test kills primary 1 (slots 0-5460): it must own some of the collection's shard keys.</summary>
    private static async Task AssertSomeShardLivesOnPrimary1Async(LocalCluster cluster)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(cluster.Endpoints);
        Assert.Contains(Enumerable.Range(0, 16), shard => redis.HashSlot($"{{whole-path:{shard}}}:vectors") <= 5460);
    }

    private static async Task<SearchResponse> SearchAsync(ApiServerProcess api, byte[] image)
    {
        var response = await api.Client.PostAsync("/search?k=3", Multipart.Image(image));
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<SearchResponse>())!;
    }

    private static async Task<ImageAdded> AddAsync(ApiServerProcess api, byte[] image, string name)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/images") { Content = Multipart.Image(image, name) };
        request.Headers.Add("X-Api-Key", KeyedCollectionFixture.Key);
        var response = await api.Client.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<ImageAdded>())!;
    }

    /// <summary>Polls /health (bounded) until the process has found the promoted replica.</summary>
    private static async Task WaitUntilHealthyAsync(ApiServerProcess api)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var health = await api.Client.GetAsync("/health", deadline.Token);
            if (health.StatusCode == HttpStatusCode.OK)
            {
                return;
            }

            await Task.Delay(250, deadline.Token);
        }
    }
}
