using ImageFinder.Index;
using ImageFinder.Storage;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Index;

/// <summary>
/// Filtered search on the SQLite store, through every path: sqlite-vec's own KNN over the matching ids, the in-memory
/// index scanned in full (exact), and the inverted file (approximate), each compared with the reference scan.
/// </summary>
public sealed class FilteredSearchTests : IDisposable
{
    private const int Dimension = 32;
    private const int Count = 1000;
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly int[] Rare = [17, 500, 999];
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    public static TheoryData<string> Modes => new() { "sqlite-vec", "exact", "approximate" };

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task A_filter_matching_3_of_1000_images_returns_exactly_those_3_for_k_10(string mode)
    {
        using var store = await CollectionAsync(CollectionInfo.L2);
        using var knn = await SearchAsync(store, mode);
        var filter = new ImageFilter { Labels = ["rare"] };
        var random = new Random(3);

        for (var q = 0; q < 10; q++)
        {
            var query = RandomVector(random);
            var hits = await knn.SearchAsync(query, 10, filter);

            Assert.Equal(Rare.Select(i => (long)i + 1).Order(), hits.Select(h => h.Id).Order());
            Assert.Equal(hits.OrderBy(h => h.Distance).Select(h => h.Id), hits.Select(h => h.Id));
            Assert.All(hits, hit => Assert.Equal("rare", ImageLabel.Of(hit.Source)));
        }
    }

    [Theory]
    [InlineData("sqlite-vec", CollectionInfo.L2)]
    [InlineData("exact", CollectionInfo.L2)]
    [InlineData("approximate", CollectionInfo.L2)]
    [InlineData("sqlite-vec", CollectionInfo.Cosine)]
    [InlineData("exact", CollectionInfo.Cosine)]
    [InlineData("approximate", CollectionInfo.Cosine)]
    [InlineData("exact", CollectionInfo.L1)]
    [InlineData("approximate", CollectionInfo.L1)]
    public async Task Every_filter_gives_the_reference_scan_s_answers(string mode, string metric)
    {
        using var store = await CollectionAsync(metric);
        using var knn = await SearchAsync(store, mode);
        var random = new Random(11);
        // Queries like the collection's images (a stored vector, perturbed), as real queries are: the inverted file's
        // probes then find the true neighbours, filtered or not.
        var stored = Vectors();

        foreach (var filter in Filters())
        {
            for (var q = 0; q < 5; q++)
            {
                var query = SyntheticVectors.Perturbed(stored[random.Next(stored.Length)], random, 0.3f);
                var expected = await FilteredScan.SearchAsync(store, query, 10, filter);
                var found = await knn.SearchAsync(query, 10, filter);

                Assert.True(expected.Select(h => h.Id).SequenceEqual(found.Select(h => h.Id)), $"{mode}, {metric}, filter {filter}: expected [{string.Join(", ", expected.Select(h => h.Id))}], found [{string.Join(", ", found.Select(h => h.Id))}]");
                Assert.Equal(expected.Select(h => h.Distance), found.Select(h => h.Distance), (a, b) => MathF.Abs(a - b) <= 1e-4f * MathF.Max(1, MathF.Abs(a)));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task The_added_window_includes_its_start_and_excludes_its_end(string mode)
    {
        using var store = await CollectionAsync(CollectionInfo.L2);
        using var knn = await SearchAsync(store, mode);
        // Image i was added at Start + i minutes: the window [10 min, 13 min) holds images 10, 11 and 12 (ids 11, 12, 13).
        var filter = new ImageFilter { AddedAfter = Start.AddMinutes(10), AddedBefore = Start.AddMinutes(13) };

        var hits = await knn.SearchAsync(RandomVector(new Random(1)), 10, filter);

        Assert.Equal([11L, 12, 13], hits.Select(h => h.Id).Order());
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task A_filter_that_matches_nothing_answers_nothing_and_an_unknown_label_matches_nothing(string mode)
    {
        using var store = await CollectionAsync(CollectionInfo.L2);
        using var knn = await SearchAsync(store, mode);
        var query = RandomVector(new Random(2));

        Assert.Empty(await knn.SearchAsync(query, 10, new ImageFilter { Labels = ["no-such-folder"] }));
        Assert.Empty(await knn.SearchAsync(query, 10, new ImageFilter { MinWidth = 100_000 }));
        Assert.Empty(await knn.SearchAsync(query, 10, new ImageFilter { AddedBefore = Start }));
        Assert.Equal(
            (await knn.SearchAsync(query, 10, new ImageFilter { Labels = ["rare"] })).Select(h => h.Id),
            (await knn.SearchAsync(query, 10, new ImageFilter { Labels = ["rare", "no-such-folder"] })).Select(h => h.Id));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public async Task An_empty_filter_is_the_unfiltered_search(string mode)
    {
        using var store = await CollectionAsync(CollectionInfo.L2);
        using var knn = await SearchAsync(store, mode);
        var query = RandomVector(new Random(4));

        Assert.Equal((await knn.SearchAsync(query, 10)).Select(h => h.Id), (await knn.SearchAsync(query, 10, ImageFilter.None)).Select(h => h.Id));
    }

    [Theory]
    [InlineData("exact")]
    [InlineData("approximate")]
    public async Task The_index_follows_writes_and_deletes_for_filters(string mode)
    {
        using var store = await CollectionAsync(CollectionInfo.L2);
        using var knn = await SearchAsync(store, mode);
        var filter = new ImageFilter { Labels = ["rare"] };
        var query = RandomVector(new Random(6));

        // A new image in the folder, and one of the three deleted: the next search sees both.
        var written = await store.WriteBatchAsync([Record("/photos/rare/new.png", query, 640, 480)]);
        Assert.True(await store.DeleteAsync(Rare[0] + 1));
        var hits = await knn.SearchAsync(query, 10, filter);

        Assert.Equal(new[] { written[0].Id, Rare[1] + 1, Rare[2] + 1 }.Order(), hits.Select(h => h.Id).Order());
        Assert.Equal(written[0].Id, hits[0].Id);
    }

    [Fact]
    public async Task A_filter_wider_than_the_exact_subset_probes_more_cells_and_still_matches_the_reference()
    {
        // ExactMaxVectors 0: every filtered search on the trained index goes through the cells, with the filter
        // applied to each row and the probes widened by how few images match.
        using var store = await CollectionAsync(CollectionInfo.L2);
        using var knn = new KnnSearch(store, new KnnOptions { Mode = KnnMode.Approximate, ExactMaxVectors = 0, Cells = 32, Probes = 4 });
        await knn.WarmAsync();
        var random = new Random(8);
        var filter = new ImageFilter { Labels = ["common1", "common2"], MinWidth = 200 };
        var agree = 0;
        const int queries = 20;

        for (var q = 0; q < queries; q++)
        {
            var query = RandomVector(random);
            var expected = await FilteredScan.SearchAsync(store, query, 10, filter);
            var found = await knn.SearchAsync(query, 10, filter);

            Assert.Equal(10, found.Count);
            Assert.All(found, hit => Assert.True(filter.Matches(store.FindAsync(hit.Id).Result!)));
            agree += expected.Select(h => h.Id).Intersect(found.Select(h => h.Id)).Count();
        }

        Assert.Equal(KnnMode.Approximate, knn.LastMode);
        Assert.True(agree >= 0.9 * queries * 10, $"recall@10 {agree / (queries * 10.0):F3}");
    }

    [Fact]
    public async Task An_index_loaded_from_its_file_knows_the_facets_of_every_image()
    {
        var path = temp.Combine("persisted.db");
        using (var store = await CollectionAsync(CollectionInfo.L2, path))
        using (var knn = new KnnSearch(store, new KnnOptions { Mode = KnnMode.Approximate, Cells = 16 }))
        {
            await knn.WarmAsync();
        }

        using var reopened = VectorStore.Open(path, new CollectionInfo("m", Dimension, CollectionInfo.L2));
        using var loaded = new KnnSearch(reopened, new KnnOptions { Mode = KnnMode.Approximate, Cells = 16 });
        await loaded.WarmAsync();
        Assert.StartsWith("trained", loaded.Status.State, StringComparison.Ordinal);

        var hits = await loaded.SearchAsync(RandomVector(new Random(9)), 10, new ImageFilter { Labels = ["rare"] });
        Assert.Equal(Rare.Select(i => (long)i + 1).Order(), hits.Select(h => h.Id).Order());
    }

    private static IEnumerable<ImageFilter> Filters() =>
    [
        new ImageFilter { Labels = ["rare"] },
        new ImageFilter { Labels = ["common3"] },
        new ImageFilter { Labels = ["common3", "common7", "rare"] },
        new ImageFilter { MinWidth = 550 },
        new ImageFilter { MinHeight = 400 },
        new ImageFilter { MinWidth = 300, MinHeight = 300 },
        new ImageFilter { AddedAfter = Start.AddMinutes(900) },
        new ImageFilter { AddedBefore = Start.AddMinutes(40) },
        new ImageFilter { Labels = ["common5"], AddedAfter = Start.AddMinutes(200), AddedBefore = Start.AddMinutes(700), MinWidth = 150 },
        new ImageFilter { AddedAfter = Start.AddMinutes(100), AddedBefore = Start.AddMinutes(300) },
    ];

    /// <summary>
    /// 1,000 clustered vectors; image i (id i + 1) is in folder "rare" for i in <see cref="Rare"/>, else in "common(i mod 10)";
    /// added at Start + i minutes; 100 + (i·37 mod 500) pixels wide and 50 + (i·53 mod 400) high.
    /// </summary>
    private async Task<VectorStore> CollectionAsync(string metric, string? path = null)
    {
        var store = VectorStore.Open(path ?? temp.Combine($"{metric}.db"), new CollectionInfo("m", Dimension, metric));
        var vectors = Vectors();
        var records = vectors.Select((vector, i) =>
        {
            var label = Rare.Contains(i) ? "rare" : $"common{i % 10}";
            return Record($"/photos/{label}/{i}.png", vector, 100 + (i * 37 % 500), 50 + (i * 53 % 400)) with
            {
                Keep = new KeptIdentity(i + 1, Start.AddMinutes(i)),
            };
        }).ToList();
        await store.WriteBatchAsync(records);
        return store;
    }

    private static float[][] Vectors() => SyntheticVectors.Clustered(Count, Dimension, clusters: 20, seed: 7);

    private static async Task<KnnSearch> SearchAsync(VectorStore store, string mode)
    {
        var options = mode switch
        {
            "sqlite-vec" => new KnnOptions { Mode = KnnMode.SqliteVec },
            "exact" => new KnnOptions { Mode = KnnMode.Exact, PersistIndex = false },
            _ => new KnnOptions { Mode = KnnMode.Approximate, Cells = 32, Probes = 4, PersistIndex = false },
        };
        var knn = new KnnSearch(store, options);
        await knn.WarmAsync();
        return knn;
    }

    private static ImageRecord Record(string source, float[] vector, int width, int height) =>
        new(source, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(source))), 1000, Start, width, height, vector);

    private static float[] RandomVector(Random random) =>
        Enumerable.Range(0, Dimension).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
}
