using System.Globalization;
using System.IO.Hashing;
using System.Text;
using StackExchange.Redis;

namespace ImageFinder.Storage.Garnet;

/// <summary>
/// The key layout of one collection (one prefix) on a Garnet cluster. Every key of shard <c>n</c> carries the hash tag
/// <c>{prefix:n}</c>, so an image's metadata, its place in the shard's id list and its vector share one hash slot (one
/// node), and a MULTI/EXEC over them is atomic. The collection-wide counters carry the tag <c>{prefix}</c>.
/// <list type="bullet">
/// <item><c>{p}:meta</c> (hash): model, dimension, metric, shards, model SHA-256 and file, collection id.</item>
/// <item><c>{p}:next-id</c>, <c>{p}:version</c>: INCR counters (ids are never reused; the version grows with every write).</item>
/// <item><c>{p:n}:img:&lt;id&gt;</c> (hash): one image's row; <c>{p:n}:ids</c> (sorted set, score = id); <c>{p:n}:vectors</c>: the shard's vector set.</item>
/// <item><c>{p:n}:sources</c> (hash source → id) and <c>{p:n}:sha256</c> (hash content hash → id), sharded by the source's and the hash's own hash.</item>
/// <item>The filter index of shard <c>n</c> (see <see cref="GarnetFilterIndex"/>): <c>{p:n}:label:&lt;label&gt;</c> (set of the ids with
/// that label), <c>{p:n}:added</c>, <c>{p:n}:width</c>, <c>{p:n}:height</c> (sorted sets, id → that value).</item>
/// </list>
/// Image <c>id</c> lives in shard <c>id mod shards</c>.
/// </summary>
internal sealed class GarnetKeys(string prefix, int shards)
{
    public int Shards { get; } = shards;

    public RedisKey Meta { get; } = $"{{{prefix}}}:meta";

    public RedisKey NextId { get; } = $"{{{prefix}}}:next-id";

    public RedisKey Version { get; } = $"{{{prefix}}}:version";

    public static RedisKey MetaOf(string prefix) => $"{{{prefix}}}:meta";

    public int ShardOf(long id) => (int)(id % Shards);

    public RedisKey Image(long id) => $"{Tag(ShardOf(id))}:img:{id.ToString(CultureInfo.InvariantCulture)}";

    public RedisKey Ids(int shard) => $"{Tag(shard)}:ids";

    public RedisKey Vectors(int shard) => $"{Tag(shard)}:vectors";

    public RedisKey VectorsOf(long id) => Vectors(ShardOf(id));

    public RedisKey IdsOf(long id) => Ids(ShardOf(id));

    /// <summary>The ids of shard <paramref name="shard"/> whose label is <paramref name="label"/> (any string: key names are binary-safe, and the hash tag comes first).</summary>
    public RedisKey Label(int shard, string label) => $"{Tag(shard)}:label:{label}";

    public RedisKey Added(int shard) => $"{Tag(shard)}:added";

    public RedisKey Width(int shard) => $"{Tag(shard)}:width";

    public RedisKey Height(int shard) => $"{Tag(shard)}:height";

    public RedisKey Sources(string source) => $"{Tag(HashShard(source))}:sources";

    public RedisKey Sha256(string sha256) => $"{Tag(HashShard(sha256))}:sha256";

    /// <summary>The vector-set element of an image: its id in decimal.</summary>
    public static RedisValue Element(long id) => id.ToString(CultureInfo.InvariantCulture);

    private string Tag(int shard) => $"{{{prefix}:{shard.ToString(CultureInfo.InvariantCulture)}}}";

    // A stable hash (the same in every process and version), unlike string.GetHashCode.
    private int HashShard(string value) => (int)(XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(value)) % (uint)Shards);
}
