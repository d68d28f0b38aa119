using ImageFinder.Configuration;
using ImageFinder.Storage;
using ImageFinder.Storage.Garnet;
using ImageFinder.Tests.Storage;
using ImageFinder.Tests.Support;
using StackExchange.Redis;

namespace ImageFinder.Tests.Garnet;

/// <summary>
/// Durable acknowledgements on Garnet. Garnet has no WAIT, so <c>ImageFinder:Garnet:WaitForReplicas</c> compares
/// replication offsets instead; with it on, a primary killed right after its writes were acknowledged loses none of them.
/// </summary>
public sealed class ReplicaAckTests(GarnetServerFixture server) : IClassFixture<GarnetServerFixture>
{
    private const int Dimension = 64;

    [Fact]
    public async Task Garnet_does_not_have_WAIT_which_is_why_the_store_compares_offsets()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(server.Garnet.Endpoint);

        var error = await Assert.ThrowsAsync<RedisServerException>(() => redis.GetDatabase().ExecuteAsync("WAIT", 1, 100));

        // If a Garnet version adds WAIT, this fails: ReplicationWait can then give way to the real command.
        Assert.Contains("unknown command", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task With_WaitForReplicas_nothing_acknowledged_is_lost_when_its_primary_is_killed_at_once()
    {
        await using var cluster = await LocalCluster.StartAsync();
        var options = new GarnetOptions { Endpoints = cluster.Endpoints, Prefix = "durable", Shards = 16, WaitForReplicas = true, TimeoutMs = 2000 };
        var info = new CollectionInfo("m", Dimension);
        var acknowledged = new List<(long Id, float[] Vector)>();
        using (var store = await GarnetStore.OpenAsync(options, info))
        {
            // One image per write, each acknowledged only once the replica of primary 1 (and any other) has it.
            for (var i = 0; i < 60; i++)
            {
                var vector = Vector(i);
                var (id, _) = (await store.WriteBatchAsync([new ImageRecord($"/d/{i}.png", $"sha-{i}", 1, DateTimeOffset.UnixEpoch, 1, 1, vector)]))[0];
                acknowledged.Add((id, vector));
            }

            // No wait-sync here: the primary dies right after the last acknowledgement.
            await cluster.KillPrimaryAsync(1);
        }

        await cluster.FailoverAsync();
        var survivors = string.Join(',', cluster.Nodes.Where(node => node.Number != 1).Select(node => node.Endpoint));
        using var after = await GarnetStore.OpenAsync(new GarnetOptions { Endpoints = survivors, Prefix = "durable", Shards = 16 }, info);
        Assert.Equal(acknowledged.Count, await after.CountAsync());
        foreach (var (id, vector) in acknowledged)
        {
            Assert.Equal(vector, await after.ReadVectorAsync(id));
        }
    }

    private static float[] Vector(int i) => [.. Enumerable.Range(0, Dimension).Select(d => (float)Math.Sin((i * 131) + d))];
}
