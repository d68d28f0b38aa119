using ImageFinder.Distances;
using ImageFinder.Index;
using ImageFinder.Storage;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Index;

public sealed class VectorIndexTests : IDisposable
{
    private const int Dimension = 256;
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData(CollectionInfo.L2, 256)]
    [InlineData(CollectionInfo.Cosine, 256)]
    [InlineData(CollectionInfo.L1, 256)]
    [InlineData(CollectionInfo.L2, 100)]
    [InlineData(CollectionInfo.L1, 1000)]
    public async Task A_full_scan_gives_sqlite_vec_s_answers_exactly(string metric, int dimension)
    {
        using var store = Open(metric, dimension);
        var vectors = SyntheticVectors.Clustered(1500, dimension, clusters: 30, seed: dimension);
        await Write(store, vectors, "v");
        using var index = VectorIndex.Build(store);
        Assert.False(index.IsTrained);
        var random = new Random(5);

        for (var q = 0; q < 25; q++)
        {
            var query = SyntheticVectors.Perturbed(vectors[random.Next(vectors.Length)], random, 0.3f);
            var expected = await store.SearchAsync(query, 10);
            var found = index.Search(query, 10);

            Assert.Equal(expected.Select(h => h.Id), found.Select(h => h.Id));
            Assert.Equal(expected.Select(h => h.Distance), found.Select(h => h.Distance), (a, b) => MathF.Abs(a - b) <= 1e-5f * MathF.Max(1, MathF.Abs(a)));
        }
    }

    [Fact]
    public async Task Exact_mode_with_its_re_rank_cap_answers_as_sqlite_vec_and_without_the_cap_even_for_a_query_unlike_every_image()
    {
        using var store = Open(CollectionInfo.L2, Dimension);
        var vectors = SyntheticVectors.Clustered(1500, Dimension, clusters: 30, seed: 24);
        await Write(store, vectors, "v");
        using var capped = new KnnSearch(store, new KnnOptions { Mode = KnnMode.Exact });
        using var uncapped = new KnnSearch(store, new KnnOptions { Mode = KnnMode.Exact, ExactRerankCandidates = 0 });
        await capped.WarmAsync();
        await uncapped.WarmAsync();
        var random = new Random(25);
        for (var q = 0; q < 20; q++)
        {
            var query = SyntheticVectors.Perturbed(vectors[random.Next(vectors.Length)], random, 0.3f);
            var expected = (await store.SearchAsync(query, 10)).Select(h => h.Id).ToList();
            Assert.Equal(expected, (await capped.SearchAsync(query, 10)).Select(h => h.Id));
            Assert.Equal(KnnMode.Exact, capped.LastMode);
        }

        // Far from every image: all 1500 are nearly equidistant, and the bounds cannot rule any out. Uncapped, every one
        // is re-ranked and the answer is sqlite-vec's; capped, the 64 nearest by code distance are, and their distances are exact.
        var far = Enumerable.Repeat(40f, Dimension).ToArray();
        var truth = await store.SearchAsync(far, 10);
        Assert.Equal(truth.Select(h => h.Id), (await uncapped.SearchAsync(far, 10)).Select(h => h.Id));
        var approximate = await capped.SearchAsync(far, 10);
        Assert.Equal(10, approximate.Count);
        Assert.True(approximate.Select(h => h.Id).Intersect(truth.Select(h => h.Id)).Count() >= 8);
        var exactDistance = VectorDistance.Compute(CollectionInfo.L2, far, vectors[int.Parse(approximate[0].Source[1..])]);
        Assert.Equal(exactDistance, approximate[0].Distance, exactDistance * 1e-5f);
    }

    [Fact]
    public async Task A_scan_split_over_the_cores_gives_the_same_answers_as_one_thread_and_sqlite_vec()
    {
        // 20,000 rows: past the size at which a full scan is split over the cores, in two chunks of the untrained index.
        using var store = Open(CollectionInfo.L2, 24);
        var vectors = SyntheticVectors.Clustered(20_000, 24, clusters: 200, seed: 21);
        await Write(store, vectors, "p");
        using var index = VectorIndex.Build(store);
        using var trained = index.Train(cellCount: 20);
        var random = new Random(22);
        for (var q = 0; q < 20; q++)
        {
            var query = SyntheticVectors.Perturbed(vectors[random.Next(vectors.Length)], random, 0.2f);
            var expected = (await store.SearchAsync(query, 10)).Select(h => h.Id).ToList();
            Assert.Equal(expected, index.Search(query, 10).Select(h => h.Id));
            Assert.Equal(expected, trained.Search(query, 10).Select(h => h.Id));
        }
    }

    [Fact]
    public async Task Exact_search_is_exact_among_near_duplicates_and_for_k_beyond_a_cluster()
    {
        // Many images a hair apart: the bounds cannot separate them, so all are re-ranked on their floats.
        using var store = Open(CollectionInfo.L2, Dimension);
        var random = new Random(9);
        var basis = SyntheticVectors.Clustered(1, Dimension, 1, seed: 9)[0];
        var vectors = Enumerable.Range(0, 300).Select(_ => SyntheticVectors.Perturbed(basis, random, 0.001f))
            .Concat(SyntheticVectors.Clustered(300, Dimension, clusters: 3, seed: 10)).ToArray();
        await Write(store, vectors, "d");
        using var index = VectorIndex.Build(store);

        foreach (var k in new[] { 1, 10, 100, 400 })
        {
            var query = SyntheticVectors.Perturbed(basis, random, 0.001f);
            Assert.Equal((await store.SearchAsync(query, k)).Select(h => h.Id), index.Search(query, k).Select(h => h.Id));
        }
    }

    [Theory]
    [InlineData(CollectionInfo.L2)]
    [InlineData(CollectionInfo.Cosine)]
    [InlineData(CollectionInfo.L1)]
    public async Task A_trained_index_finds_nearly_all_neighbours_by_probing_and_all_when_it_probes_every_cell(string metric)
    {
        using var store = Open(metric, Dimension);
        var vectors = SyntheticVectors.Clustered(3000, Dimension, clusters: 60, seed: 1);
        await Write(store, vectors, "v");
        using var untrained = VectorIndex.Build(store);
        using var index = untrained.Train(cellCount: 40);
        Assert.True(index.IsTrained);
        Assert.Equal(40, index.CellCount);
        Assert.Equal(3000, index.Count);
        var random = new Random(7);

        var found = 0;
        for (var q = 0; q < 40; q++)
        {
            var query = SyntheticVectors.Perturbed(vectors[random.Next(vectors.Length)], random, 0.3f);
            var expected = await store.SearchAsync(query, 10);
            var probed = index.Search(query, 10, probes: 4, rerank: 50);
            Assert.Equal(10, probed.Count);
            found += probed.Select(h => h.Id).Intersect(expected.Select(h => h.Id)).Count();

            // Distances are always exact: read back from sqlite-vec's floats.
            var exactDistance = expected.ToDictionary(h => h.Id, h => h.Distance);
            foreach (var hit in probed.Where(h => exactDistance.ContainsKey(h.Id)))
            {
                Assert.Equal(exactDistance[hit.Id], hit.Distance, 1e-5f * MathF.Max(1, hit.Distance));
            }

            Assert.Equal(expected.Select(h => h.Id), index.Search(query, 10).Select(h => h.Id));
        }

        Assert.True(found / 400.0 >= 0.95, $"recall@10 {found / 400.0}");
    }

    [Fact]
    public async Task An_approximate_search_probes_more_cells_when_the_nearest_hold_fewer_than_k_images()
    {
        using var store = Open(CollectionInfo.L2, Dimension);
        var vectors = SyntheticVectors.Clustered(300, Dimension, clusters: 6, seed: 23);
        await Write(store, vectors, "v");
        using var built = VectorIndex.Build(store);
        using var index = built.Train(cellCount: 30);

        Assert.Equal(300, index.Search(vectors[0], 300, probes: 1, rerank: 1).Count);
        Assert.Equal(120, index.Search(vectors[0], 120, probes: 1, rerank: 1).Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Refresh_sees_writes_updates_and_deletes_from_another_process(bool trained)
    {
        using var store = Open(CollectionInfo.L2, Dimension);
        var vectors = SyntheticVectors.Clustered(400, Dimension, clusters: 10, seed: 2);
        var ids = await Write(store, vectors, "v");
        using var built = VectorIndex.Build(store);
        using var index = trained ? built.Train(8) : built;

        // Another process writing the same file: a second store.
        using var other = VectorStore.Open(store.Path, store.Collection);
        var extra = SyntheticVectors.Clustered(1, Dimension, clusters: 1, seed: 3)[0];
        var added = await other.WriteBatchAsync([Record("new", extra)]);
        var moved = SyntheticVectors.Clustered(1, Dimension, clusters: 1, seed: 4)[0];
        await other.WriteBatchAsync([Record("v5", moved)]);
        Assert.True(await other.DeleteAsync(ids[7]));

        Assert.Equal(400, index.Count);
        index.Refresh();

        Assert.Equal(400, index.Count);
        Assert.Equal(added[0].Id, index.Search(extra, 1)[0].Id);
        var updated = index.Search(moved, 1)[0];
        Assert.Equal(ids[5], updated.Id);
        Assert.Equal(0f, updated.Distance, 4);
        Assert.DoesNotContain(index.Search(vectors[7], 5), h => h.Id == ids[7]);
        Assert.DoesNotContain(index.Search(vectors[5], 400), h => h.Id == ids[7]);
        if (trained)
        {
            // Probing: the new image went to its nearest cell, which the query's nearest cell is.
            Assert.Equal(added[0].Id, index.Search(extra, 1, probes: 1)[0].Id);
        }
    }

    [Fact]
    public async Task Zero_vectors_in_a_cosine_collection_are_ranked_as_sqlite_vec_ranks_them()
    {
        using var store = Open(CollectionInfo.Cosine, 8);
        await store.WriteBatchAsync([
            Record("zero", new float[8]),
            Record("far", [0, 0, 0, 0, 0, 0, 1, 1]),
            Record("near", [1, 1, 0, 0, 0, 0, 0, 0]),
        ]);
        using var index = VectorIndex.Build(store);

        var query = new float[] { 1, 0.9f, 0, 0, 0, 0, 0, 0.2f };
        var expected = await store.SearchAsync(query, 3);
        Assert.Equal(["near", "far", "zero"], expected.Select(h => h.Source));
        Assert.Equal(1f, expected[2].Distance);
        Assert.Equal(expected.Select(h => h.Source), index.Search(query, 3).Select(h => h.Source));
        Assert.Equal(expected.Select(h => h.Distance), index.Search(query, 3).Select(h => h.Distance), (a, b) => MathF.Abs(a - b) < 1e-6f);
        Assert.Equal(["near", "far"], index.Search(query, 2).Select(h => h.Source));
    }

    [Fact]
    public async Task An_empty_collection_gives_no_hits_until_it_has_images()
    {
        using var store = Open(CollectionInfo.L2, Dimension);
        using var index = VectorIndex.Build(store);
        Assert.Empty(index.Search(new float[Dimension], 3));
        await Write(store, SyntheticVectors.Clustered(3, Dimension, 1, 6), "x");
        index.Refresh();
        Assert.Equal(3, index.Search(new float[Dimension], 10).Count);
    }

    [Fact]
    public async Task A_saved_index_loads_with_identical_answers_and_catches_up_with_what_changed_while_it_was_down()
    {
        using var store = Open(CollectionInfo.L2, Dimension);
        var vectors = SyntheticVectors.Clustered(2000, Dimension, clusters: 40, seed: 12);
        var ids = await Write(store, vectors, "v");
        var path = IndexFile.PathFor(store.Path);
        using (var built = VectorIndex.Build(store))
        using (var trained = built.Train(30))
        {
            trained.Save(path);
        }

        // Written while no index was running: an update, a delete and an insert.
        var moved = SyntheticVectors.Clustered(1, Dimension, clusters: 1, seed: 13)[0];
        await store.WriteBatchAsync([Record("v3", moved)]);
        Assert.True(await store.DeleteAsync(ids[8]));
        var extra = SyntheticVectors.Clustered(1, Dimension, clusters: 1, seed: 14)[0];
        var added = (await store.WriteBatchAsync([Record("late", extra)]))[0].Id;

        using var loaded = VectorIndex.Load(store, path, out var reason);
        Assert.NotNull(loaded);
        Assert.Contains("2 rows re-read and 1 dropped", reason);
        Assert.True(loaded.IsTrained);
        Assert.Equal(30, loaded.CellCount);
        Assert.Equal(2000, loaded.Count);
        Assert.Equal(ids[3], loaded.Search(moved, 1)[0].Id);
        Assert.Equal(added, loaded.Search(extra, 1)[0].Id);
        Assert.DoesNotContain(loaded.Search(vectors[8], 20), h => h.Id == ids[8]);
        var random = new Random(3);
        for (var q = 0; q < 10; q++)
        {
            var query = SyntheticVectors.Perturbed(vectors[random.Next(vectors.Length)], random, 0.3f);
            Assert.Equal((await store.SearchAsync(query, 10)).Select(h => h.Id), loaded.Search(query, 10).Select(h => h.Id));
        }
    }

    [Theory]
    [InlineData("flip")]
    [InlineData("truncate")]
    [InlineData("garbage")]
    [InlineData("empty")]
    public async Task A_damaged_index_file_is_refused(string damage)
    {
        using var store = Open(CollectionInfo.L2, Dimension);
        await Write(store, SyntheticVectors.Clustered(300, Dimension, clusters: 5, seed: 15), "v");
        var path = IndexFile.PathFor(store.Path);
        using (var built = VectorIndex.Build(store))
        {
            built.Save(path);
        }

        var bytes = await File.ReadAllBytesAsync(path);
        switch (damage)
        {
            case "flip":
                bytes[bytes.Length / 2] ^= 0x10;
                break;
            case "truncate":
                bytes = bytes[..(bytes.Length - 100)];
                break;
            case "garbage":
                new Random(1).NextBytes(bytes);
                break;
            default:
                bytes = [];
                break;
        }

        await File.WriteAllBytesAsync(path, bytes);
        Assert.Null(VectorIndex.Load(store, path, out var reason));
        Assert.Matches("damaged|not an index file|could not be read|checksum", reason);
    }

    [Fact]
    public async Task An_index_file_of_another_database_is_refused()
    {
        using var first = Open(CollectionInfo.L2, Dimension, "first.db");
        using var second = Open(CollectionInfo.L2, Dimension, "second.db");
        var vectors = SyntheticVectors.Clustered(200, Dimension, clusters: 5, seed: 16);
        await Write(first, vectors, "v");
        await Write(second, vectors, "v");
        using (var built = VectorIndex.Build(first))
        {
            built.Save(IndexFile.PathFor(second.Path));
        }

        Assert.Null(VectorIndex.Load(second, IndexFile.PathFor(second.Path), out var reason));
        Assert.Equal("it was written for another database", reason);
    }

    [Fact]
    public async Task Auto_mode_is_exact_up_to_the_threshold_and_an_inverted_file_above_it_that_is_saved_and_reloaded()
    {
        var vectors = SyntheticVectors.Clustered(600, Dimension, clusters: 12, seed: 5);
        var options = new KnnOptions { ExactMaxVectors = 400, Probes = 4 };
        using var store = Open(CollectionInfo.L2, Dimension);
        await Write(store, vectors[..300], "a");
        using (var search = new KnnSearch(store, options))
        {
            // No index yet: sqlite-vec answers while it is built.
            Assert.Equal("none", search.Status.State);
            await search.WarmAsync();
            var small = await search.SearchAsync(vectors[3], 3);
            Assert.Equal(KnnMode.Exact, search.LastMode);
            Assert.Equal("exact", search.Status.State);
            Assert.False(File.Exists(search.IndexPath));

            await Write(store, vectors[300..], "b");
            var stillExact = await search.SearchAsync(vectors[3], 3);
            Assert.Equal(small[0].Id, stillExact[0].Id);
            await search.WarmAsync();
            var large = await search.SearchAsync(vectors[3], 3);
            Assert.Equal(KnnMode.Approximate, search.LastMode);
            Assert.Equal(small[0].Id, large[0].Id);
            Assert.Equal(0f, large[0].Distance, 4);
            Assert.Equal("trained", search.Status.State);
            Assert.Equal(600, search.Status.Vectors);
            Assert.Equal(24, search.Status.Cells);
            Assert.True(File.Exists(search.IndexPath));
        }

        using var restarted = new KnnSearch(store, options);
        await restarted.WarmAsync();
        Assert.Equal("trained", restarted.Status.State);
        Assert.Equal(600, restarted.Status.TrainedOn);
        Assert.Equal(vectors.Length, restarted.Status.Vectors);
        Assert.Equal("a3", (await restarted.SearchAsync(vectors[3], 1))[0].Source);
    }

    [Fact]
    public async Task A_corrupt_index_file_is_rebuilt_and_never_served()
    {
        var vectors = SyntheticVectors.Clustered(500, Dimension, clusters: 10, seed: 18);
        var options = new KnnOptions { Mode = KnnMode.Approximate, Probes = 3 };
        using var store = Open(CollectionInfo.L2, Dimension);
        await Write(store, vectors, "v");
        using (var search = new KnnSearch(store, options))
        {
            await search.WarmAsync();
        }

        var bytes = await File.ReadAllBytesAsync(IndexFile.PathFor(store.Path));
        bytes[^20] ^= 0xFF;
        await File.WriteAllBytesAsync(IndexFile.PathFor(store.Path), bytes);
        var logs = new CapturedLogs();
        using var restarted = new KnnSearch(store, options, logs.CreateLogger("knn"));
        await restarted.WarmAsync();

        Assert.Contains(logs.Messages, m => m.Contains("is not used (its checksum does not match", StringComparison.Ordinal));
        Assert.Equal("trained", restarted.Status.State);
        Assert.Equal("v42", (await restarted.SearchAsync(vectors[42], 1))[0].Source);
        Assert.NotNull(VectorIndex.Load(store, IndexFile.PathFor(store.Path), out _));
    }

    [Fact]
    public async Task SqliteVec_mode_builds_no_index()
    {
        using var store = Open(CollectionInfo.L2, Dimension);
        var vectors = SyntheticVectors.Clustered(50, Dimension, clusters: 2, seed: 19);
        await Write(store, vectors, "v");
        using var search = new KnnSearch(store, new KnnOptions { Mode = KnnMode.SqliteVec });
        await search.WarmAsync();
        Assert.Equal("v7", (await search.SearchAsync(vectors[7], 1))[0].Source);
        Assert.Equal(KnnMode.SqliteVec, search.LastMode);
        Assert.Equal("none", search.Status.State);
    }

    private static ImageRecord Record(string source, float[] vector) => new(source, "sha-" + source, 1, DateTimeOffset.UnixEpoch, 1, 1, vector);

    private static async Task<long[]> Write(VectorStore store, float[][] vectors, string prefix)
    {
        var results = await store.WriteBatchAsync(vectors.Select((v, i) => Record(prefix + i, v)).ToList());
        return results.Select(r => r.Id).ToArray();
    }

    private VectorStore Open(string metric, int dimension, string? name = null) =>
        VectorStore.Open(temp.Combine(name ?? $"{metric}-{dimension}.db"), new CollectionInfo("m", dimension, metric));
}
