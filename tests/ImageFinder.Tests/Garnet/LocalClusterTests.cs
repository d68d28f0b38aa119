using System.Net;
using System.Net.Sockets;
using ImageFinder.Tests.Support;
using StackExchange.Redis;

namespace ImageFinder.Tests.Garnet;

/// <summary>
/// docker/garnet/cluster.sh against real garnet-server processes (the pinned dotnet tool): the cluster it forms,
/// Vector Sets spread over its primaries, a primary killed and its replica promoted, and a stop that ends every
/// process it started.
/// </summary>
public sealed class LocalClusterTests
{
    private const int Dimension = 2048;
    private const int SlotCount = 16384;

    [Fact]
    public async Task StartFormsThreePrimariesOwningEverySlotAndOneReplica()
    {
        await using var cluster = await LocalCluster.StartAsync();

        Assert.Equal(string.Join(',', cluster.Nodes.Select(node => node.Endpoint)), cluster.Endpoints);
        Assert.Equal(4, cluster.Nodes.Count);
        await using var redis = await ConnectAsync(cluster.Endpoints);
        var configuration = redis.GetServer(cluster[1].Endpoint).ClusterNodes()!;
        var nodes = configuration.Nodes.ToList();
        Assert.Equal(4, nodes.Count);
        Assert.All(nodes, node => Assert.True(node.IsConnected || node.IsMyself, $"{node.EndPoint} is not connected"));

        var primaries = nodes.Where(node => !node.IsReplica).ToList();
        Assert.Equal(3, primaries.Count);
        var owners = new int[SlotCount];
        foreach (var range in primaries.SelectMany(primary => primary.Slots))
        {
            for (var slot = range.From; slot <= range.To; slot++)
            {
                owners[slot]++;
            }
        }

        Assert.All(owners, count => Assert.Equal(1, count)); // every slot, each by one primary

        var replica = Assert.Single(nodes, node => node.IsReplica);
        Assert.Equal(cluster[4].Port, ((IPEndPoint)replica.EndPoint!).Port);
        Assert.Empty(replica.Slots);
        Assert.Equal(NodeIdOf(configuration, cluster[1]), replica.ParentNodeId);
        var replication = await redis.GetServer(cluster[4].Endpoint).InfoRawAsync("replication");
        Assert.Contains("master_link_status:up", replication);
    }

    [Fact]
    public async Task FormingAgainAFormedClusterChangesNothing()
    {
        await using var cluster = await LocalCluster.StartAsync();
        var form = new System.Diagnostics.ProcessStartInfo("bash");
        form.ArgumentList.Add(Path.Combine(Repository.Root, "docker", "garnet", "form-cluster.sh"));
        foreach (var node in cluster.Nodes.Take(3))
        {
            form.ArgumentList.Add(node.Endpoint);
        }

        form.ArgumentList.Add("--replica");
        form.ArgumentList.Add(cluster[4].Endpoint + "=1");

        var (exitCode, output, error) = await ProcessRun.RunAsync(form, TimeSpan.FromMinutes(3), "form-cluster.sh");

        Assert.True(exitCode == 0, error);
        Assert.Contains("formed already", output, StringComparison.Ordinal);
        Assert.Contains("primary", (await cluster.StatusAsync()).Split('\n').Single(line => line.StartsWith('1')));
    }

    [Theory]
    [InlineData("127.0.0.1", "is not host:port")]
    [InlineData("127.0.0.1:1 --replica 127.0.0.1:2=2", "there are 1 primaries")]
    [InlineData("--replica x", "--replica wants NODE=N")]
    public async Task FormClusterRefusesBadArguments(string arguments, string message)
    {
        var form = new System.Diagnostics.ProcessStartInfo("bash");
        form.ArgumentList.Add(Path.Combine(Repository.Root, "docker", "garnet", "form-cluster.sh"));
        foreach (var argument in arguments.Split(' '))
        {
            form.ArgumentList.Add(argument);
        }

        var (exitCode, _, error) = await ProcessRun.RunAsync(form, TimeSpan.FromMinutes(1), "form-cluster.sh");

        Assert.Equal(1, exitCode);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VectorSetsOnDifferentHashTagsLandOnDifferentPrimariesAndAreFound()
    {
        await using var cluster = await LocalCluster.StartAsync();
        await using var redis = await ConnectAsync(cluster.Endpoints);
        var configuration = redis.GetServer(cluster[1].Endpoint).ClusterNodes()!;
        var primaryPorts = new[] { cluster[1].Port, cluster[2].Port, cluster[3].Port };

        // One vector-set key per primary: the first hash tags whose slots fall on each of them.
        var keys = new Dictionary<int, string>();
        for (var tag = 0; keys.Count < primaryPorts.Length && tag < 100; tag++)
        {
            var key = $"imgs:{{{tag}}}";
            keys.TryAdd(((IPEndPoint)configuration.GetBySlot(key)!.EndPoint!).Port, key);
        }

        Assert.Equal(primaryPorts.Order(), keys.Keys.Order());

        var database = redis.GetDatabase();
        var vectors = SyntheticVectors.Clustered(count: 3 * keys.Count, Dimension, clusters: 3, seed: 15);
        var elements = new Dictionary<string, (string Key, float[] Vector)>();
        var next = 0;
        foreach (var key in keys.Values)
        {
            for (var i = 0; i < 3; i++, next++)
            {
                var element = $"image-{next}";
                elements[element] = (key, vectors[next]);
                Assert.Equal(1, (int)await Vadd(database, key, vectors[next], element));
            }
        }

        // Each primary's own store holds exactly the key routed to it (SCAN is local to the node it is sent to).
        foreach (var (port, key) in keys)
        {
            var stored = redis.GetServer($"127.0.0.1:{port}").Keys(pattern: "imgs:*").Select(k => (string)k!).ToList();
            Assert.Equal([key], stored);
        }

        foreach (var (element, (key, vector)) in elements)
        {
            var answer = (RedisResult[])(await database.ExecuteAsync("VSIM", (RedisKey)key, "FP32", Fp32.Blob(vector), "COUNT", 3, "WITHSCORES"))!;
            Assert.Equal(6, answer.Length); // three elements in the set, each with its score
            Assert.Equal(element, (string)answer[0]!);
            Assert.InRange((double)answer[1], -1e-4, 1e-4); // its own cosine distance
            Assert.All(Enumerable.Range(0, 3), i => Assert.Equal(key, elements[(string)answer[2 * i]!].Key));
        }
    }

    [Fact]
    public async Task StopEndsEveryProcessItStartedAndFreesEveryPort()
    {
        var cluster = await LocalCluster.StartAsync();
        await using (cluster)
        {
            Assert.All(cluster.Nodes, node => Assert.True(LocalCluster.IsRunning(node.Pid), $"node {node.Number} is not running"));
            Assert.All(cluster.Nodes, node => Assert.True(Accepts(node.Port), $"node {node.Number} does not accept connections"));

            await cluster.StopAsync();

            Assert.All(cluster.Nodes, node => Assert.False(LocalCluster.IsRunning(node.Pid), $"node {node.Number} (pid {node.Pid}) is still running"));
            Assert.All(cluster.Nodes, node => Assert.False(Accepts(node.Port), $"port {node.Port} still accepts connections"));
            Assert.False(File.Exists(Path.Combine(cluster.Folder, "pids")));
            Assert.Contains("no cluster", await cluster.StatusAsync());
            await cluster.StopAsync(); // idempotent: nothing left to stop is not an error
        }
    }

    [Fact]
    public async Task AfterItsPrimaryIsKilledThePromotedReplicaServesWhatWasReplicated()
    {
        await using var cluster = await LocalCluster.StartAsync();
        var vectors = SyntheticVectors.Clustered(count: 6, Dimension, clusters: 2, seed: 7);
        string key;
        await using (var redis = await ConnectAsync(cluster.Endpoints))
        {
            // A key on node 1, the primary that node 4 replicates.
            var configuration = redis.GetServer(cluster[1].Endpoint).ClusterNodes()!;
            key = Enumerable.Range(0, 100).Select(tag => $"imgs:{{{tag}}}")
                .First(candidate => ((IPEndPoint)configuration.GetBySlot(candidate)!.EndPoint!).Port == cluster[1].Port);
            var database = redis.GetDatabase();
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(1, (int)await Vadd(database, key, vectors[i], $"image-{i}"));
            }

            Assert.Equal(5, await database.StringIncrementAsync(CounterOf(key), 5));
        }

        await cluster.WaitForReplicasAsync();
        await cluster.KillPrimaryAsync(1);
        Assert.False(LocalCluster.IsRunning(cluster[1].Pid));
        await cluster.FailoverAsync();
        Assert.Contains("primary", (await cluster.StatusAsync()).Split('\n').Single(line => line.StartsWith('4')));

        await using (var redis = await ConnectAsync(string.Join(',', cluster.Nodes.Skip(1).Select(node => node.Endpoint))))
        {
            var owner = redis.GetServer(cluster[4].Endpoint).ClusterNodes()!.GetBySlot(key)!;
            Assert.Equal(cluster[4].Port, ((IPEndPoint)owner.EndPoint!).Port);
            Assert.False(owner.IsReplica);

            var database = redis.GetDatabase();
            Assert.Equal(5, (int)await database.ExecuteAsync("VCARD", (RedisKey)key));
            for (var i = 0; i < 5; i++)
            {
                var embedding = (RedisResult[])(await database.ExecuteAsync("VEMB", (RedisKey)key, $"image-{i}", "RAW"))!;
                Assert.Equal(Fp32.Blob(vectors[i]), (byte[])embedding[1]!);
            }

            var answer = (RedisResult[])(await database.ExecuteAsync("VSIM", (RedisKey)key, "FP32", Fp32.Blob(vectors[3]), "COUNT", 1, "WITHSCORES"))!;
            Assert.Equal("image-3", (string)answer[0]!);
            Assert.Equal(5, (long)await database.StringGetAsync(CounterOf(key)));

            // The promoted node takes writes too.
            Assert.Equal(1, (int)await Vadd(database, key, vectors[5], "image-5"));
            Assert.Equal(6, (int)await database.ExecuteAsync("VCARD", (RedisKey)key));
        }
    }

    private static string CounterOf(string vectorSetKey) => "ctr:" + vectorSetKey[vectorSetKey.IndexOf('{')..];

    /// <summary>VADD with the full option set on every call, as Garnet wants it (else "Distance metric mismatch").</summary>
    private static Task<RedisResult> Vadd(IDatabase database, string key, float[] vector, string element) =>
        database.ExecuteAsync("VADD", (RedisKey)key, "FP32", Fp32.Blob(vector), element, "NOQUANT", "XDISTANCE_METRIC", "COSINE");

    private static string NodeIdOf(ClusterConfiguration configuration, LocalCluster.Node node) =>
        configuration.Nodes.Single(candidate => ((IPEndPoint)candidate.EndPoint!).Port == node.Port).NodeId;

    private static Task<ConnectionMultiplexer> ConnectAsync(string endpoints)
    {
        var options = ConfigurationOptions.Parse(endpoints);
        // RESP2: VSIM answers a flat array (element, score, ...), the shape these tests read.
        options.Protocol = RedisProtocol.Resp2;
        // CLUSTER NODES (the slot map these tests check) is an admin command for StackExchange.Redis.
        options.AllowAdmin = true;
        // A killed node stays in CLUSTER NODES (Garnet has no failure detection): connect without it.
        options.AbortOnConnectFail = false;
        return ConnectionMultiplexer.ConnectAsync(options);
    }

    private static bool Accepts(int port)
    {
        using var client = new TcpClient();
        try
        {
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
