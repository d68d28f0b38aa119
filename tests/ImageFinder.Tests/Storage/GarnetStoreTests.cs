using ImageFinder.Configuration;
using ImageFinder.Storage;
using ImageFinder.Storage.Garnet;
using ImageFinder.Tests.Support;
using StackExchange.Redis;

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


    [Theory]
    [InlineData(CollectionInfo.L2)]
    [InlineData(CollectionInfo.Cosine)]
    public async Task A_large_matching_subset_is_answered_through_the_graph_as_the_reference_scan_answers(string metric)
    {
        // 600 images in 2 shards, SearchEf 20: every shard holds about 300 images, and each filter below lets more
        // than 20 of them through, so no shard is read exactly at first: VSIM answers, with its EF raised.
        using var store = await GarnetStore.OpenAsync(Options("large", shards: 2, searchEf: 20), new CollectionInfo("m", 8, metric));
        var images = await WriteSpreadAsync(store, metric, count: 600, seed: 31);

        foreach (var filter in new ImageFilter[]
        {
            new() { Labels = ["big"] },
            new() { Labels = ["big", "small"] },
            new() { MinWidth = 200 },
            new() { AddedAfter = DateTimeOffset.FromUnixTimeMilliseconds(images.AddedMs(100)) },
            new() { Labels = ["big"], MinHeight = 150, AddedBefore = DateTimeOffset.FromUnixTimeMilliseconds(images.AddedMs(500)) },
        })
        {
            var hits = await AssertLikeReferenceAsync(store, images.Query, 10, filter);
            Assert.Equal(10, hits.Count);
        }
    }

    [Fact]
    public async Task Conditions_wide_apart_but_narrow_together_are_never_answered_short()
    {
        // Half the images are wide and half are high, but only 4 are both, all far from the query: every condition's
        // count is large (250 of a shard's 500), so VSIM is asked first, at EF 40 then 160, finds too few, and the shard
        // is read exactly.
        using var store = await GarnetStore.OpenAsync(Options("narrow", shards: 2, searchEf: 20), new CollectionInfo("m", 8));
        var (query, vectors) = SpreadVectors(CollectionInfo.L2, 1000, 32);
        var farthest = Enumerable.Range(0, 1000).OrderByDescending(i => Distance(query, vectors[i])).Take(4).ToHashSet();
        var records = Enumerable.Range(0, 1000).Select(i =>
        {
            // Pairs of ids alternate between wide and high, so each shard (id mod 2) holds both kinds.
            var (width, height) = farthest.Contains(i) ? (900, 900) : i / 2 % 2 == 0 ? (900, 10) : (10, 900);
            return Record($"/photos/all/{i}.png", vectors[i]) with { Width = width, Height = height, Keep = new KeptIdentity(i + 1, DateTimeOffset.UnixEpoch) };
        }).ToList();
        await store.WriteBatchAsync(records);

        var hits = await AssertLikeReferenceAsync(store, query, 10, new ImageFilter { MinWidth = 500, MinHeight = 500 });

        Assert.Equal(farthest.Select(i => i + 1L).Order(), hits.Select(h => h.Id).Order());
    }

    [Fact]
    public async Task A_collection_from_before_the_filter_index_gets_it_once_when_opened()
    {
        var options = Options("old", shards: 4, searchEf: 20);
        var info = new CollectionInfo("m", 8);
        SpreadImages images;
        using (var created = await GarnetStore.OpenAsync(options, info))
        {
            images = await WriteSpreadAsync(created, CollectionInfo.L2, count: 300, seed: 33);
        }

        // As a version without the index left it: no label sets, no sorted sets, no attributes, no meta field.
        await using var redis = await ConnectionMultiplexer.ConnectAsync(garnet.Endpoint);
        var database = redis.GetDatabase();
        for (var shard = 0; shard < 4; shard++)
        {
            var tag = $"{{old:{shard}}}";
            await database.KeyDeleteAsync([$"{tag}:added", $"{tag}:width", $"{tag}:height", $"{tag}:label:big", $"{tag}:label:small", $"{tag}:label:a\"b c"]);
        }

        for (var id = 1; id <= 300; id++)
        {
            Assert.Equal(1, (int)await database.ExecuteAsync("VSETATTR", $"{{old:{id % 4}}}:vectors", id.ToString(System.Globalization.CultureInfo.InvariantCulture), ""));
        }

        Assert.True(await database.HashDeleteAsync("{old}:meta", "filter_index"));
        ImageFilter[] filters =
        [
            new() { Labels = ["a\"b c"] },
            new() { Labels = ["big"] },
            new() { MinWidth = 300, AddedBefore = DateTimeOffset.FromUnixTimeMilliseconds(images.AddedMs(250)) },
        ];

        // Opened to be copied from, it is read as it is: the reference scan answers, and nothing is written.
        using (var existing = await GarnetStore.OpenExistingAsync(options))
        {
            foreach (var filter in filters)
            {
                Assert.NotEmpty(await AssertLikeReferenceAsync(existing, images.Query, 10, filter));
            }
        }

        Assert.False(await database.HashExistsAsync("{old}:meta", "filter_index"));
        Assert.False(await database.KeyExistsAsync("{old:1}:added"));

        using var reopened = await GarnetStore.OpenAsync(options, info);

        Assert.Equal("1", (string?)await database.HashGetAsync("{old}:meta", "filter_index"));
        Assert.Equal(75, await database.SortedSetLengthAsync("{old:1}:added"));
        Assert.Equal(300, await database.SetLengthAsync("{old:0}:label:big") + await database.SetLengthAsync("{old:0}:label:small") + await database.SetLengthAsync("{old:0}:label:a\"b c")
            + Enumerable.Range(1, 3).Sum(shard => database.SetLength($"{{old:{shard}}}:label:big") + database.SetLength($"{{old:{shard}}}:label:small") + database.SetLength($"{{old:{shard}}}:label:a\"b c")));
        Assert.Contains("\"w\":", (string?)await database.ExecuteAsync("VGETATTR", "{old:2}:vectors", "2"), StringComparison.Ordinal);
        foreach (var filter in filters.Append(new ImageFilter { Labels = ["small"], MinHeight = 120 }))
        {
            Assert.NotEmpty(await AssertLikeReferenceAsync(reopened, images.Query, 10, filter));
        }

        // Opening it again does not build it again: an entry removed by hand stays removed.
        Assert.True(await database.SortedSetRemoveAsync("{old:1}:added", 1));
        using (var again = await GarnetStore.OpenAsync(options, info))
        {
            Assert.Null(await database.SortedSetScoreAsync("{old:1}:added", 1));
        }
    }

    public void Dispose() => garnet.Dispose();

    private GarnetOptions Options(string prefix, int shards, int searchEf = 200) => new() { Endpoints = garnet.Endpoint, Prefix = prefix, Shards = shards, SearchEf = searchEf };

    /// <summary>The filtered search's answer, which must be the reference scan's: the same ids in the same order, the same distances.</summary>
    private static async Task<IReadOnlyList<SearchHit>> AssertLikeReferenceAsync(GarnetStore store, float[] query, int k, ImageFilter filter)
    {
        var reference = await FilteredScan.SearchAsync(store, query, k, filter);
        var hits = await store.SearchAsync(query, k, filter);
        Assert.Equal(reference.Select(h => (h.Id, h.Source)), hits.Select(h => (h.Id, h.Source)));
        for (var i = 0; i < hits.Count; i++)
        {
            Assert.Equal(reference[i].Distance, hits[i].Distance, 1e-4f);
        }

        return hits;
    }

    /// <summary>
    /// <paramref name="count"/> images with ids 1.., added a second apart, 80 % labelled "big", the rest "small" and
    /// every tenth <c>a"b c</c>, in sizes that vary with the id; vectors at well-spread distances from the query.
    /// </summary>
    private static async Task<SpreadImages> WriteSpreadAsync(GarnetStore store, string metric, int count, int seed)
    {
        var (query, vectors) = SpreadVectors(metric, count, seed);
        var records = Enumerable.Range(0, count).Select(i =>
        {
            var label = i % 10 == 0 ? "a\"b c" : i % 5 == 1 ? "small" : "big";
            return Record($"/photos/{label}/{i}.png", vectors[i]) with
            {
                Width = 100 + (i * 37 % 400),
                Height = 100 + (i * 53 % 300),
                Keep = new KeptIdentity(i + 1, DateTimeOffset.FromUnixTimeMilliseconds(SpreadImages.BaseAddedMs + (i * 1000L))),
            };
        }).ToList();
        await store.WriteBatchAsync(records);
        return new SpreadImages(query);
    }

    /// <summary>
    /// Vectors whose distances to the query are spread apart (radii 1, 1.01, 1.02… in random directions for l2; angles
    /// 0.05 … 3 rad, random lengths, for cosine), so an approximate search must give the exact answer too.
    /// </summary>
    private static (float[] Query, float[][] Vectors) SpreadVectors(string metric, int count, int seed)
    {
        var random = new Random(seed);
        var query = Enumerable.Range(0, 8).Select(_ => (float)(random.NextDouble() * 2) - 1).ToArray();
        var vectors = new float[count][];
        var ranks = Enumerable.Range(0, count).ToArray();
        random.Shuffle(ranks);
        for (var i = 0; i < count; i++)
        {
            var direction = Enumerable.Range(0, 8).Select(_ => random.NextDouble() - 0.5).ToArray();
            if (metric == CollectionInfo.L2)
            {
                var norm = Math.Sqrt(direction.Sum(d => d * d));
                var radius = 1 + (0.01 * ranks[i]);
                vectors[i] = [.. query.Select((q, d) => (float)(q + (radius * direction[d] / norm)))];
            }
            else
            {
                var queryNorm = Math.Sqrt(query.Sum(q => (double)q * q));
                var unit = query.Select(q => q / queryNorm).ToArray();
                var along = direction.Zip(unit, (a, b) => a * b).Sum();
                var orthogonal = direction.Select((a, d) => a - (along * unit[d])).ToArray();
                var orthogonalNorm = Math.Sqrt(orthogonal.Sum(o => o * o));
                var angle = 0.05 + (ranks[i] * 2.9 / count);
                var length = 0.5 + (2 * random.NextDouble());
                vectors[i] = [.. unit.Select((u, d) => (float)(length * ((Math.Cos(angle) * u) + (Math.Sin(angle) * orthogonal[d] / orthogonalNorm))))];
            }
        }

        return (query, vectors);
    }

    private static double Distance(float[] a, float[] b) => Math.Sqrt(a.Zip(b, (x, y) => ((double)x - y) * (x - y)).Sum());

    /// <summary>What <see cref="WriteSpreadAsync"/> wrote: its query, and image <c>i</c>'s added time.</summary>
    private sealed record SpreadImages(float[] Query)
    {
        public const long BaseAddedMs = 1_700_000_000_000;

        public long AddedMs(int i) => BaseAddedMs + (i * 1000L);
    }

    private static float[] Vector(int i) => [.. Enumerable.Range(0, 8).Select(d => (float)(i + (d * 100)))];

    private static ImageRecord Record(string source, float[] vector) => new(source, "sha-" + source, 10, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123), 4, 3, vector);
}
