using ImageFinder.Mapping;
using ImageFinder.Storage;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Mapping;

public sealed class StoredVectorsTests : IDisposable
{
    private readonly TempFolder temp = new();

    [Fact]
    public async Task A_snapshot_reads_every_stored_vector_in_id_order_and_ignores_later_writes()
    {
        using var store = VectorStore.Open(temp.Combine("v.db"), new CollectionInfo("m", 4));
        var written = await store.WriteBatchAsync([.. Enumerable.Range(0, 6).Select(i => Record($"/c/f{i % 2}/{i}.png", i))]);
        var ids = written.Select(w => w.Id).ToArray();

        using var snapshot = StoredVectors.Open(store, maxPoints: 100, seed: 1);
        await store.WriteBatchAsync([Record("/c/f0/late.png", 99)]);
        var seen = new Dictionary<int, float[]>();
        snapshot.ForEach((row, vector) => seen.Add(row, vector.ToArray()), CancellationToken.None);

        Assert.Equal(6, snapshot.Count);
        Assert.Equal(6, snapshot.Total);
        Assert.Equal(ids, snapshot.Ids);
        Assert.Equal(4, snapshot.Dimension);
        for (var row = 0; row < 6; row++)
        {
            Assert.Equal(Vector(row), seen[row]);
            Assert.Equal($"/c/f{row % 2}/{row}.png", snapshot.Sources[row]);
        }

        Assert.True(StoredVectors.ReadVersion(store) > snapshot.Version);
    }

    [Fact]
    public async Task Above_the_limit_a_seeded_sample_is_kept_the_same_every_time()
    {
        using var store = VectorStore.Open(temp.Combine("v.db"), new CollectionInfo("m", 4));
        await store.WriteBatchAsync([.. Enumerable.Range(0, 30).Select(i => Record($"/c/{i}.png", i))]);

        using var first = StoredVectors.Open(store, maxPoints: 10, seed: 7);
        using var second = StoredVectors.Open(store, maxPoints: 10, seed: 7);
        var rows = 0;
        first.ForEach((row, vector) => rows++, CancellationToken.None);

        Assert.Equal(10, first.Count);
        Assert.Equal(30, first.Total);
        Assert.Equal(10, rows);
        Assert.Equal(first.Ids, second.Ids);
        Assert.Equal(first.Ids.Order(), first.Ids);
        Assert.Equal(10, first.Ids.Distinct().Count());
    }

    [Fact]
    public async Task A_sampled_map_says_so_and_holds_the_sample()
    {
        using var store = VectorStore.Open(temp.Combine("v.db"), new CollectionInfo("m", 4));
        await store.WriteBatchAsync([.. Enumerable.Range(0, 30).Select(i => Record($"/c/{i}.png", i))]);

        var map = await CollectionMapper.ComputeAsync(store, MapMethod.Pca, 2, maxPoints: 12, CancellationToken.None);

        Assert.True(map.Sampled);
        Assert.Equal(30, map.Total);
        Assert.Equal(12, map.Points.Count);
    }

    public void Dispose() => temp.Dispose();

    private static float[] Vector(int i) => [i, i * i % 7, (i * 3) % 5, 1];

    private static ImageRecord Record(string source, int i) => new(source, "sha-" + source, 1, DateTimeOffset.UnixEpoch, 1, 1, Vector(i));
}
