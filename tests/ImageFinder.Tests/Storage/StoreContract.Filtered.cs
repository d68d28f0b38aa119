using ImageFinder.Storage;

namespace ImageFinder.Tests.Storage;

/// <summary>
/// The filtered search of the contract: the k nearest among the images that match, never fewer when more match.
/// Every answer is checked twice: against the expected ids computed here from what was written (double-precision
/// distances), and against the reference scan (<see cref="FilteredScan"/>) over the same store.
/// </summary>
public abstract partial class StoreContract
{
    private const long FilterBaseAddedMs = 1_700_000_000_000;

    /// <summary>Folder names a filter must take as they are: quotes, a backslash, spaces, unicode, braces, filter syntax.</summary>
    private static readonly string[] HostileLabels = ["a\"b", "\"]", "with space", "ünïcødé 猫", "{brace}", "x' || .l == 1", ".label == \"cat\"", "back\\slash"];

    [Theory]
    [InlineData(CollectionInfo.L2)]
    [InlineData(CollectionInfo.Cosine)]
    public async Task A_filter_matching_3_of_1000_images_answers_exactly_those_3(string metric)
    {
        var store = await NewStoreAsync(new CollectionInfo("m", 8, metric));
        var (query, vectors) = AroundQuery(metric, count: 1000, dimension: 8, seed: 21);
        // The rare ones are the farthest from the query of ids ≡ 1, 2 and 3 (mod 4): a search that filters its
        // nearest candidates never meets them, and they are in three shards of a sharded store.
        var rare = Enumerable.Range(1, 3)
            .Select(residue => Enumerable.Range(0, 1000).Where(i => (i + 1) % 4 == residue).MaxBy(i => ReferenceDistance(metric, query, vectors[i])))
            .ToHashSet();
        var images = await WriteFilterImagesAsync(store, vectors, i => rare.Contains(i) ? "rare" : "common");

        var hits = await AssertFilteredAsync(store, metric, query, 10, new ImageFilter { Labels = ["rare"] }, images);

        Assert.Equal(rare.Select(i => i + 1L).Order(), hits.Select(h => h.Id).Order());
        Assert.All(hits, hit => Assert.Equal("rare", ImageLabel.Of(hit.Source)));
        Assert.Equal(10, (await store.SearchAsync(query, 10, new ImageFilter { Labels = ["common"] })).Count);
    }

    [Theory]
    [InlineData(CollectionInfo.L2)]
    [InlineData(CollectionInfo.Cosine)]
    public async Task A_label_filter_answers_the_nearest_with_any_of_its_labels_whatever_the_labels_hold(string metric)
    {
        var store = await NewStoreAsync(new CollectionInfo("m", 8, metric));
        var (query, vectors) = AroundQuery(metric, count: 240, dimension: 8, seed: 22);
        string[] labels = [.. HostileLabels, "cat", "dog"];
        var images = await WriteFilterImagesAsync(store, vectors, i => labels[i % labels.Length]);

        foreach (var label in labels)
        {
            var hits = await AssertFilteredAsync(store, metric, query, 5, new ImageFilter { Labels = [label] }, images);
            Assert.Equal(5, hits.Count);
            Assert.All(hits, hit => Assert.Equal(label, ImageLabel.Of(hit.Source)));
        }

        await AssertFilteredAsync(store, metric, query, 12, new ImageFilter { Labels = ["a\"b", "\"]", "dog"] }, images);
        await AssertFilteredAsync(store, metric, query, 40, new ImageFilter { Labels = ["back\\slash", "{brace}"] }, images);
        // Labels are compared as stored: no case folding, no prefix matching, no unescaping.
        Assert.Empty(await store.SearchAsync(query, 5, new ImageFilter { Labels = ["CAT", "a", "a\\\"b", "back", "ünïcødé"] }));
    }

    [Fact]
    public async Task The_added_window_includes_its_start_and_excludes_its_end()
    {
        var store = await NewStoreAsync(new CollectionInfo("m", 8));
        var (query, vectors) = AroundQuery(CollectionInfo.L2, count: 200, dimension: 8, seed: 23);
        var images = await WriteFilterImagesAsync(store, vectors, i => "all");
        var after = DateTimeOffset.FromUnixTimeMilliseconds(images[50].AddedMs);
        var before = DateTimeOffset.FromUnixTimeMilliseconds(images[60].AddedMs);

        var window = await AssertFilteredAsync(store, CollectionInfo.L2, query, 50, new ImageFilter { AddedAfter = after, AddedBefore = before }, images);

        Assert.Equal(Enumerable.Range(51, 10).Select(id => (long)id), window.Select(h => h.Id).Order());
        await AssertFilteredAsync(store, CollectionInfo.L2, query, 7, new ImageFilter { AddedAfter = after.AddMilliseconds(1), AddedBefore = before.AddMilliseconds(1) }, images);
        await AssertFilteredAsync(store, CollectionInfo.L2, query, 10, new ImageFilter { AddedAfter = before }, images);
        await AssertFilteredAsync(store, CollectionInfo.L2, query, 10, new ImageFilter { AddedBefore = after }, images);
        Assert.Empty(await store.SearchAsync(query, 10, new ImageFilter { AddedAfter = after, AddedBefore = after }));
        Assert.Equal([51L], (await store.SearchAsync(query, 10, new ImageFilter { AddedAfter = after, AddedBefore = after.AddMilliseconds(1) })).Select(h => h.Id));
    }

    [Theory]
    [InlineData(CollectionInfo.L2)]
    [InlineData(CollectionInfo.Cosine)]
    public async Task Minimum_sizes_and_combined_conditions_answer_the_nearest_that_pass_them_all(string metric)
    {
        var store = await NewStoreAsync(new CollectionInfo("m", 8, metric));
        var (query, vectors) = AroundQuery(metric, count: 240, dimension: 8, seed: 24);
        var images = await WriteFilterImagesAsync(store, vectors, i => i % 3 == 0 ? "cat" : "dog");

        await AssertFilteredAsync(store, metric, query, 10, new ImageFilter { MinWidth = 500 }, images);
        await AssertFilteredAsync(store, metric, query, 10, new ImageFilter { MinHeight = 450 }, images);
        // At the exact minimum: FilterImage sizes are 100 + (37 i mod 500) wide, so 137 is image 1's width.
        Assert.Contains(2L, (await AssertFilteredAsync(store, metric, query, 240, new ImageFilter { MinWidth = 137 }, images)).Select(h => h.Id));
        await AssertFilteredAsync(store, metric, query, 10, new ImageFilter { MinWidth = 300, MinHeight = 300 }, images);
        var after = DateTimeOffset.FromUnixTimeMilliseconds(images[40].AddedMs);
        var before = DateTimeOffset.FromUnixTimeMilliseconds(images[200].AddedMs);
        var all = new ImageFilter { Labels = ["cat"], AddedAfter = after, AddedBefore = before, MinWidth = 250, MinHeight = 200 };
        var hits = await AssertFilteredAsync(store, metric, query, 10, all, images);
        Assert.Equal(10, hits.Count);
        await AssertFilteredAsync(store, metric, query, 100, all, images);
    }

    [Fact]
    public async Task A_filter_that_matches_nothing_answers_nothing_and_an_empty_one_is_the_plain_search()
    {
        var store = await NewStoreAsync(new CollectionInfo("m", 8));
        var (query, vectors) = AroundQuery(CollectionInfo.L2, count: 120, dimension: 8, seed: 25);
        var images = await WriteFilterImagesAsync(store, vectors, i => "cat");

        Assert.Empty(await store.SearchAsync(query, 10, new ImageFilter { Labels = ["dog"] }));
        Assert.Empty(await store.SearchAsync(query, 10, new ImageFilter { MinWidth = 10_000 }));
        Assert.Empty(await store.SearchAsync(query, 10, new ImageFilter { Labels = ["cat"], AddedBefore = DateTimeOffset.FromUnixTimeMilliseconds(FilterBaseAddedMs) }));
        Assert.Equal(await store.SearchAsync(query, 10), await store.SearchAsync(query, 10, ImageFilter.None));
        Assert.Equal(await store.SearchAsync(query, 10), await store.SearchAsync(query, 10, new ImageFilter()));
        await AssertFilteredAsync(store, CollectionInfo.L2, query, 10, ImageFilter.None, images);
    }

    [Fact]
    public async Task The_filter_follows_updates_and_deletes()
    {
        var store = await NewStoreAsync(new CollectionInfo("m", 8));
        var (query, vectors) = AroundQuery(CollectionInfo.L2, count: 120, dimension: 8, seed: 26);
        var images = await WriteFilterImagesAsync(store, vectors, i => i % 10 == 0 ? "rare" : "common");
        var wide = new ImageFilter { MinWidth = 550 };
        var rare = new ImageFilter { Labels = ["rare"] };
        await AssertFilteredAsync(store, CollectionInfo.L2, query, 10, wide, images);

        // Image 2 (100 + 37 wide) is re-written wider and nearer; the nearest wide rare one is deleted.
        var narrow = images[1];
        var nearer = query.Select(v => v + 0.01f).ToArray();
        var updated = narrow with { Vector = nearer, Width = 600, Height = 90 };
        Assert.Equal([(narrow.Id, WriteOutcome.Updated)], await store.WriteBatchAsync([FilterRecord(updated, 1)]));
        images[1] = updated;
        var deleted = (await store.SearchAsync(query, 1, rare))[0].Id;
        Assert.True(await store.DeleteAsync(deleted));
        images.RemoveAll(image => image.Id == deleted);
        await store.TouchAsync(images[5].Source, 5, DateTimeOffset.UnixEpoch);

        var hits = await AssertFilteredAsync(store, CollectionInfo.L2, query, 10, wide, images);
        Assert.Equal(narrow.Id, hits[0].Id);
        Assert.DoesNotContain(narrow.Id, (await AssertFilteredAsync(store, CollectionInfo.L2, query, 120, new ImageFilter { MinHeight = 100 }, images)).Select(h => h.Id));
        var rareHits = await AssertFilteredAsync(store, CollectionInfo.L2, query, 20, rare, images);
        Assert.Equal(11, rareHits.Count);
        Assert.DoesNotContain(deleted, rareHits.Select(h => h.Id));

        // A deleted source written again is a new image, with its label, found by the filter.
        var again = (await store.WriteBatchAsync([FilterRecord(NewFilterImage(0, "/photos/rare/again.jpg", nearer), 0) with { Keep = null }]))[0];
        Assert.Equal(again.Id, (await store.SearchAsync(query, 1, rare))[0].Id);
    }

    /// <summary>One image of the filter cases as written: id <c>i + 1</c>, added <c>i</c> seconds after a fixed instant, sizes that vary with <c>i</c>.</summary>
    private sealed record FilterImage(long Id, string Source, float[] Vector, long AddedMs, int Width, int Height);

    private static FilterImage NewFilterImage(int i, string source, float[] vector) =>
        new(i + 1, source, vector, FilterBaseAddedMs + (i * 1000L), 100 + (i * 37 % 500), 100 + (i * 53 % 400));

    private static ImageRecord FilterRecord(FilterImage image, int revision) =>
        Record(image.Source, image.Vector, revision, new KeptIdentity(image.Id, DateTimeOffset.FromUnixTimeMilliseconds(image.AddedMs))) with { Width = image.Width, Height = image.Height };

    /// <summary>
    /// Writes <paramref name="vectors"/> as images labelled by <paramref name="label"/>: file paths, except every third
    /// image whose label has a backslash (which a file path cannot carry) is a URL with the label percent-encoded.
    /// </summary>
    private static async Task<List<FilterImage>> WriteFilterImagesAsync(IImageStore store, float[][] vectors, Func<int, string> label)
    {
        var images = new List<FilterImage>(vectors.Length);
        for (var i = 0; i < vectors.Length; i++)
        {
            var name = label(i);
            var source = name.Contains('\\', StringComparison.Ordinal) || i % 3 == 0
                ? $"https://images.example/photos/{Uri.EscapeDataString(name)}/img{i}.jpg"
                : $"/photos/{name}/img{i}.jpg";
            Assert.Equal(name, ImageLabel.Of(source));
            images.Add(NewFilterImage(i, source, vectors[i]));
        }

        foreach (var batch in images.Chunk(250))
        {
            var written = await store.WriteBatchAsync([.. batch.Select(image => FilterRecord(image, 0))]);
            Assert.Equal(batch.Select(image => (image.Id, WriteOutcome.Added)), written);
        }

        return images;
    }

    /// <summary>
    /// Searches with <paramref name="filter"/> and checks the answer against the k nearest matching images computed here,
    /// and against the reference scan of the same store: the same ids in the same order, sources and distances.
    /// </summary>
    private static async Task<IReadOnlyList<SearchHit>> AssertFilteredAsync(IImageStore store, string metric, float[] query, int k, ImageFilter filter, IReadOnlyList<FilterImage> images)
    {
        var expected = images
            .Where(image => filter.Matches(ImageLabel.Of(image.Source), image.AddedMs, image.Width, image.Height))
            .Select(image => (image.Id, image.Source, Distance: ReferenceDistance(metric, query, image.Vector)))
            .OrderBy(hit => hit.Distance)
            .ThenBy(hit => hit.Id)
            .Take(k)
            .ToList();

        var hits = await store.SearchAsync(query, k, filter);
        var reference = await FilteredScan.SearchAsync(store, query, k, filter);

        Assert.Equal(expected.Select(hit => (hit.Id, hit.Source)), hits.Select(hit => (hit.Id, hit.Source)));
        Assert.Equal(reference.Select(hit => hit.Id), hits.Select(hit => hit.Id));
        for (var i = 0; i < hits.Count; i++)
        {
            AssertDistance(expected[i].Distance, hits[i].Distance);
            AssertDistance(reference[i].Distance, hits[i].Distance);
        }

        return hits;
    }
}
