using ImageFinder.Tests.Support;
using StackExchange.Redis;

namespace ImageFinder.Tests.Garnet;

/// <summary>Garnet's server inside the test process (<see cref="InProcessGarnet"/>): the Vector Set commands a store needs.</summary>
public sealed class InProcessGarnetTests
{
    [Fact]
    public async Task VaddVsimAndVembRoundTripTheExactFloat32Bytes()
    {
        using var garnet = InProcessGarnet.Start();
        var options = ConfigurationOptions.Parse(garnet.Endpoint);
        options.Protocol = RedisProtocol.Resp2; // flat arrays, the shape read below
        await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
        var database = redis.GetDatabase();
        var vectors = SyntheticVectors.Clustered(count: 4, dimension: 2048, clusters: 2, seed: 3);
        for (var i = 0; i < vectors.Length; i++)
        {
            var added = await database.ExecuteAsync("VADD", (RedisKey)"imgs", "FP32", Fp32.Blob(vectors[i]), $"image-{i}", "NOQUANT", "XDISTANCE_METRIC", "COSINE");
            Assert.Equal(1, (int)added);
        }

        Assert.Equal(4, (int)await database.ExecuteAsync("VCARD", (RedisKey)"imgs"));
        Assert.Equal(2048, (int)await database.ExecuteAsync("VDIM", (RedisKey)"imgs"));

        var nearest = (RedisResult[])(await database.ExecuteAsync("VSIM", (RedisKey)"imgs", "FP32", Fp32.Blob(vectors[2]), "COUNT", 2, "WITHSCORES"))!;
        Assert.Equal(4, nearest.Length);
        Assert.Equal("image-2", (string)nearest[0]!);
        Assert.InRange((double)nearest[1], -1e-4, 1e-4); // a vector's cosine distance to itself
        Assert.True((double)nearest[3] > (double)nearest[1], "the second result is not farther than the first");

        // NOQUANT keeps the input: VEMB RAW gives back ["fp32", the very bytes VADD sent, norm].
        for (var i = 0; i < vectors.Length; i++)
        {
            var embedding = (RedisResult[])(await database.ExecuteAsync("VEMB", (RedisKey)"imgs", $"image-{i}", "RAW"))!;
            Assert.Equal("fp32", (string)embedding[0]!);
            Assert.Equal(Fp32.Blob(vectors[i]), (byte[])embedding[1]!);
        }
    }
}
