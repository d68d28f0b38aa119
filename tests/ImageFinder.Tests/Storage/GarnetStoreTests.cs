using ImageFinder.Configuration;
using ImageFinder.Storage;
using ImageFinder.Storage.Garnet;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Storage;

/// <summary>What only the Garnet store has: its key layout on a real (in-process) Garnet server, its settings, its errors.</summary>
public sealed class GarnetStoreTests : IDisposable
{
    private readonly InProcessGarnet garnet = InProcessGarnet.Start();

    [Fact]
    public async Task Writes_search_and_reads_back_exact_vectors_across_shards()
    {
        using var store = await GarnetStore.OpenAsync(Options("a", shards: 4), new CollectionInfo("m", 8));
        var records = Enumerable.Range(0, 12).Select(i => Record($"/c/{i}.png", Vector(i))).ToList();

        var written = await store.WriteBatchAsync(records);

        Assert.All(written, w => Assert.Equal(WriteOutcome.Added, w.Outcome));
        Assert.Equal(12, written.Select(w => w.Id).Distinct().Count());
        Assert.Equal(12, await store.CountAsync());
        var hits = await store.SearchAsync(Vector(5), 3);
        Assert.Equal(written[5].Id, hits[0].Id);
        Assert.Equal(0f, hits[0].Distance, 1e-5f);
        Assert.Equal("/c/5.png", hits[0].Source);
        Assert.Equal(MathF.Sqrt(8), hits[1].Distance, 1e-4f); // Vector(4) and Vector(6) are 1 apart in each of 8 dimensions
        Assert.Equal(Vector(7), await store.ReadVectorAsync(written[7].Id));
        var all = new List<StoredEntry>();
        await foreach (var entry in store.ReadAllAsync())
        {
            all.Add(entry);
        }

        Assert.Equal(written.Select(w => w.Id).Order(), all.Select(e => e.Image.Id));
    }

    [Fact]
    public async Task An_existing_collection_keeps_its_metric_and_shards_and_refuses_another_dimension()
    {
        using (var created = await GarnetStore.OpenAsync(Options("b", shards: 3), new CollectionInfo("m", 8, CollectionInfo.Cosine)))
        {
            await created.WriteBatchAsync([Record("/x.png", Vector(1))]);
        }

        using var reopened = await GarnetStore.OpenAsync(Options("b", shards: 9), new CollectionInfo("m", 8, CollectionInfo.L2));
        Assert.Equal(CollectionInfo.Cosine, reopened.Collection.Metric);
        Assert.Equal(3, reopened.Shards);
        Assert.Equal(1, await reopened.CountAsync());
        var error = await Assert.ThrowsAsync<CollectionMismatchException>(() => GarnetStore.OpenAsync(Options("b", shards: 3), new CollectionInfo("m", 16)));
        Assert.Contains("ImageFinder:Garnet:Prefix", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_prefixes_are_two_collections()
    {
        using var first = await GarnetStore.OpenAsync(Options("one", shards: 2), new CollectionInfo("m", 8));
        using var second = await GarnetStore.OpenAsync(Options("two", shards: 2), new CollectionInfo("m", 8));
        await first.WriteBatchAsync([Record("/a.png", Vector(1)), Record("/b.png", Vector(2))]);

        Assert.Equal(2, await first.CountAsync());
        Assert.Equal(0, await second.CountAsync());
        Assert.Empty(await second.SearchAsync(Vector(1), 3));
    }

    [Fact]
    public async Task L1_is_refused_with_a_message_that_says_why()
    {
        var error = await Assert.ThrowsAsync<CollectionMismatchException>(() => GarnetStore.OpenAsync(Options("c", shards: 2), new CollectionInfo("m", 8, CollectionInfo.L1)));
        Assert.Contains("l1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_is_store_unavailable_naming_the_setting()
    {
        var options = new GarnetOptions { Endpoints = "127.0.0.1:1", Prefix = "d", TimeoutMs = 500, Attempts = 1 };

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => GarnetStore.OpenAsync(options, new CollectionInfo("m", 8)));

        Assert.Equal("garnet", error.Store);
        Assert.Contains("ImageFinder:Garnet:Endpoints 127.0.0.1:1", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => garnet.Dispose();

    private GarnetOptions Options(string prefix, int shards) => new() { Endpoints = garnet.Endpoint, Prefix = prefix, Shards = shards };

    private static float[] Vector(int i) => [.. Enumerable.Range(0, 8).Select(d => (float)(i + (d * 100)))];

    private static ImageRecord Record(string source, float[] vector) => new(source, "sha-" + source, 10, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123), 4, 3, vector);
}
