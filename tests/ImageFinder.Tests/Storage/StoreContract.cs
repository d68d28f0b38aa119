using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using ImageFinder.Storage;

namespace ImageFinder.Tests.Storage;

/// <summary>
/// What every <see cref="IImageStore"/> must do, as its documentation says: each implementation runs these cases
/// through a subclass that says how to open a fresh, empty collection (<see cref="OpenAsync"/>) and, when the store
/// persists, how to close one and open it again (<see cref="ReopenAsync"/>).
/// </summary>
/// <remarks>
/// The vectors are deterministic and, for the searches, well separated (no two candidates of a top-k within 0.1 % of
/// each other), so an approximate index over a few hundred vectors must give the exact answer too. Distances are
/// checked against a brute-force reference computed here in double precision, within 1e-4 relative.
/// </remarks>
public abstract partial class StoreContract : IAsyncLifetime
{
    /// <summary>A modification time with milliseconds and a non-UTC offset: stores keep the instant, to the millisecond.</summary>
    private static readonly DateTimeOffset BaseModified = new(2024, 5, 6, 7, 8, 9, 123, TimeSpan.FromHours(2));

    private readonly List<IImageStore> opened = [];

    /// <summary>Opens a new, empty collection for <paramref name="expected"/>'s vectors (a collection of its own on every call).</summary>
    protected abstract Task<IImageStore> OpenAsync(CollectionInfo expected);

    /// <summary>
    /// Closes <paramref name="current"/> and opens the same collection again for <paramref name="expected"/>. Stores that
    /// do not override it skip the cases that need it (they pass without checking anything).
    /// </summary>
    protected virtual Task<IImageStore> ReopenAsync(IImageStore current, CollectionInfo expected) =>
        throw new NotSupportedException($"{GetType().Name} cannot reopen a collection.");

    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Disposes every store the test opened (a subclass cleans up its collections after calling this).</summary>
    public virtual Task DisposeAsync()
    {
        foreach (var store in opened)
        {
            store.Dispose();
        }

        opened.Clear();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task An_empty_store_holds_nothing()
    {
        var store = await NewStoreAsync(new CollectionInfo("m", 4));

        Assert.Equal(0, await store.CountAsync());
        Assert.Empty(await store.ListAsync(0, 10));
        Assert.Empty(await store.SearchAsync([1, 2, 3, 4], 5));
        Assert.Null(await store.FindAsync(1));
        Assert.Null(await store.FindBySha256Async(Sha256("a", 0)));
        Assert.Null(await store.ReadVectorAsync(1));
        Assert.Empty(await ReadAllAsync(store));
        Assert.Empty(await store.LoadFingerprintsAsync());
        await store.ReadVersionAsync();
    }

    [Theory]
    [InlineData(CollectionInfo.L2)]
    [InlineData(CollectionInfo.Cosine)]
    public async Task The_store_says_what_it_holds_and_answers(string metric)
    {
        var store = await NewStoreAsync(new CollectionInfo("resnet50", 8, metric));

        Assert.Equal("resnet50", store.Collection.Model);
        Assert.Equal(8, store.Collection.Dimension);
        Assert.Equal(metric, store.Collection.Metric);
        Assert.False(string.IsNullOrWhiteSpace(store.Kind));
        Assert.False(string.IsNullOrWhiteSpace(store.Location));
        Assert.True(await store.PingAsync());
    }

    [Fact]
    public async Task Each_collection_opened_is_a_new_one_of_its_own()
    {
        var first = await NewStoreAsync(new CollectionInfo("m", 4));
        await first.WriteBatchAsync([Record("a", Vector(4, 1)), Record("b", Vector(4, 2))]);

        var second = await NewStoreAsync(new CollectionInfo("m", 4));
        Assert.Equal(0, await second.CountAsync());
        Assert.Empty(await second.LoadFingerprintsAsync());

        await second.WriteBatchAsync([Record("c", Vector(4, 3))]);
        Assert.Equal(["a", "b"], (await first.LoadFingerprintsAsync()).Keys.Order());
        Assert.Equal(["c"], (await second.LoadFingerprintsAsync()).Keys);
    }

    [Fact]
    public async Task New_sources_are_added_with_distinct_positive_ids_and_every_field_stored()
    {
        var store = await NewStoreAsync(new CollectionInfo("m", 4));
        ImageRecord[] records = [Record("a.jpg", Vector(4, 1)), Record("photos/b.png", Vector(4, 2)), Record("c", Vector(4, 3), revision: 5)];

        var before = DateTimeOffset.UtcNow;
        var written = await store.WriteBatchAsync(records);
        var after = DateTimeOffset.UtcNow;

        Assert.Equal(records.Length, written.Count);
        Assert.All(written, w => Assert.Equal(WriteOutcome.Added, w.Outcome));
        Assert.All(written, w => Assert.True(w.Id > 0, $"id {w.Id} is not positive"));
        Assert.Equal(records.Length, written.Select(w => w.Id).Distinct().Count());
        Assert.Equal(records.Length, await store.CountAsync());
        for (var i = 0; i < records.Length; i++)
        {
            var image = await store.FindAsync(written[i].Id);
            AssertImage(records[i], written[i].Id, image);
            AssertAddedBetween(before, after, image!.Added);
        }
    }

    [Fact]
    public async Task The_fingerprints_are_those_last_written_for_every_source()
    {
        var store = await NewStoreAsync(new CollectionInfo("m", 4));
        ImageRecord[] records = [Record("a", Vector(4, 1)), Record("b", Vector(4, 2)), Record("c", Vector(4, 3))];
        var written = await store.WriteBatchAsync(records);
        var updated = Record("b", Vector(4, 4), revision: 1);
        await store.WriteBatchAsync([updated]);

        var fingerprints = await store.LoadFingerprintsAsync();

        Assert.Equal(3, fingerprints.Count);
        Assert.Equal(Fingerprint(records[0], written[0].Id), fingerprints["a"]);
        Assert.Equal(Fingerprint(updated, written[1].Id), fingerprints["b"]);
        Assert.Equal(Fingerprint(records[2], written[2].Id), fingerprints["c"]);
    }

    [Fact]
    public async Task Writing_a_known_source_again_updates_it_in_place()
    {
        var store = await NewStoreAsync(new CollectionInfo("m", 4));
        float[] oldVector = [1, 0, 0, 0];
        float[] newVector = [0, 0, 5, 0];
        var first = await store.WriteBatchAsync([Record("a", oldVector), Record("b", [0, 1, 0, 0])]);
        var added = (await store.FindAsync(first[0].Id))!.Added;

        var rewritten = Record("a", newVector, revision: 1);
        var second = await store.WriteBatchAsync([rewritten]);

        Assert.Equal([(first[0].Id, WriteOutcome.Updated)], second);
        Assert.Equal(2, await store.CountAsync());
        var image = await store.FindAsync(first[0].Id);
        AssertImage(rewritten, first[0].Id, image);
        Assert.Equal(added, image!.Added);
        Assert.Null(await store.FindBySha256Async(Sha256("a", 0)));
        Assert.Equal(first[0].Id, (await store.FindBySha256Async(rewritten.Sha256))?.Id);
        AssertBits(newVector, await store.ReadVectorAsync(first[0].Id));

        // The new vector is found, and the old one is gone: no stale entry answers for it.
        var nearNew = await store.SearchAsync(newVector, 10);
        Assert.Equal([first[0].Id, first[1].Id], nearNew.Select(h => h.Id));
        AssertDistance(0, nearNew[0].Distance);
        var nearOld = await store.SearchAsync(oldVector, 10);
        Assert.Equal([first[1].Id, first[0].Id], nearOld.Select(h => h.Id));
        AssertDistance(Math.Sqrt(26), nearOld[1].Distance);
    }

    [Fact]
    public async Task A_deleted_image_is_gone_everywhere_and_its_id_is_never_reused()
    {
        var store = await NewStoreAsync(new CollectionInfo("m", 4));
        var records = new[] { Record("a", [1, 0, 0, 0]), Record("b", [0, 1, 0, 0]), Record("c", [0, 0, 1, 0]) };
        var written = await store.WriteBatchAsync(records);
        var highest = written.Max(w => w.Id);
        var kept = written[1].Id;

        foreach (var id in written.Select(w => w.Id).Where(id => id != kept))
        {
            Assert.True(await store.DeleteAsync(id));
            Assert.False(await store.DeleteAsync(id));
            Assert.Null(await store.FindAsync(id));
            Assert.Null(await store.ReadVectorAsync(id));
        }

        Assert.False(await store.DeleteAsync(highest + 1000));
        Assert.Equal(1, await store.CountAsync());
        Assert.Equal([kept], (await store.ListAsync(0, 10)).Select(i => i.Id));
        Assert.Equal([kept], (await store.SearchAsync([0, 0, 1, 0], 10)).Select(h => h.Id));
        Assert.Equal([kept], (await ReadAllAsync(store)).Select(e => e.Image.Id));
        Assert.Equal(["b"], (await store.LoadFingerprintsAsync()).Keys);
        Assert.Null(await store.FindBySha256Async(records[0].Sha256));
        Assert.Null(await store.FindBySha256Async(records[2].Sha256));

        // A new image, even one of a deleted source, never gets an id that was handed out before.
        var again = await store.WriteBatchAsync([Record("c", [0, 0, 1, 0]), Record("d", [0, 0, 0, 1])]);
        Assert.All(again, w => Assert.Equal(WriteOutcome.Added, w.Outcome));
        Assert.All(again, w => Assert.True(w.Id > highest, $"id {w.Id} was handed out before (the highest was {highest})"));
        Assert.NotEqual(again[0].Id, again[1].Id);
    }

    [Fact]
    public async Task Reserved_ids_are_never_handed_out()
    {
        var store = await NewStoreAsync(new CollectionInfo("m", 4));

        await store.ReserveIdsUpToAsync(100);
        var first = await store.WriteBatchAsync([Record("a", Vector(4, 1)), Record("b", Vector(4, 2))]);
        Assert.All(first, w => Assert.True(w.Id > 100, $"id {w.Id} is reserved"));

        // Reserving less than what was handed out changes nothing.
        await store.ReserveIdsUpToAsync(1);
        var second = await store.WriteBatchAsync([Record("c", Vector(4, 3))]);
        Assert.True(second[0].Id > first.Max(w => w.Id), $"id {second[0].Id} was handed out before");
        Assert.Equal(3, await store.CountAsync());
    }

    [Fact]
    public async Task A_kept_identity_gives_the_image_its_id_and_added_time()
    {
        var store = await NewStoreAsync(new CollectionInfo("m", 4));
        var added = new DateTimeOffset(2021, 2, 3, 4, 5, 6, 789, TimeSpan.Zero);
        var record = Record("a", Vector(4, 1), keep: new KeptIdentity(42, added));

        var written = await store.WriteBatchAsync([record]);

        Assert.Equal([(42L, WriteOutcome.Added)], written);
        var image = await store.FindAsync(42);
        AssertImage(record, 42, image);
        Assert.Equal(added, image!.Added);
        Assert.Equal(added, Assert.Single(await store.ListAsync(0, 10)).Added);
        Assert.Equal(added, Assert.Single(await ReadAllAsync(store)).Image.Added);
        AssertBits(record.Embedding, await store.ReadVectorAsync(42));
    }

    [Fact]
    public async Task New_images_never_get_a_kept_id_even_once_it_is_deleted()
    {
        var store = await NewStoreAsync(new CollectionInfo("m", 4));
        await store.WriteBatchAsync([Record("kept2", Vector(4, 1), keep: new KeptIdentity(2, BaseModified)), Record("kept5", Vector(4, 2), keep: new KeptIdentity(5, BaseModified))]);
        Assert.True(await store.DeleteAsync(5));

        var written = await store.WriteBatchAsync([.. Enumerable.Range(0, 8).Select(i => Record($"new{i}", Vector(4, 10 + i)))]);

        var ids = written.Select(w => w.Id).ToList();
        Assert.All(written, w => Assert.Equal(WriteOutcome.Added, w.Outcome));
        Assert.DoesNotContain(2L, ids);
        Assert.DoesNotContain(5L, ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal("kept2", (await store.FindAsync(2))?.Source);
        AssertBits(Vector(4, 1), await store.ReadVectorAsync(2));
        Assert.Null(await store.FindAsync(5));
        Assert.Equal(9, await store.CountAsync());
    }

    [Fact]
    public async Task A_kept_id_taken_by_another_source_is_refused()
    {
        var store = await NewStoreAsync(new CollectionInfo("m", 4));
        var first = Record("a", Vector(4, 1), keep: new KeptIdentity(42, BaseModified));
        await store.WriteBatchAsync([first]);

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            store.WriteBatchAsync([Record("b", Vector(4, 2), keep: new KeptIdentity(42, BaseModified))]));

        Assert.Equal(1, await store.CountAsync());
        AssertImage(first, 42, await store.FindAsync(42));
        AssertBits(first.Embedding, await store.ReadVectorAsync(42));
        Assert.Equal(["a"], (await store.LoadFingerprintsAsync()).Keys);
    }

    [Fact]
    public async Task A_known_source_given_another_kept_id_is_refused()
    {
        var store = await NewStoreAsync(new CollectionInfo("m", 4));
        var first = Record("a", Vector(4, 1));
        var id = (await store.WriteBatchAsync([first]))[0].Id;

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            store.WriteBatchAsync([Record("a", Vector(4, 2), revision: 1, keep: new KeptIdentity(id + 7, BaseModified))]));

        Assert.Equal(1, await store.CountAsync());
        AssertImage(first, id, await store.FindAsync(id));
        AssertBits(first.Embedding, await store.ReadVectorAsync(id));
        Assert.Null(await store.FindAsync(id + 7));

        // Its own id is no conflict: the source is updated in place.
        var same = Record("a", Vector(4, 3), revision: 2, keep: new KeptIdentity(id, BaseModified));
        Assert.Equal([(id, WriteOutcome.Updated)], await store.WriteBatchAsync([same]));
        AssertImage(same, id, await store.FindAsync(id));
    }

    [Fact]
    public async Task Touch_changes_only_the_size_and_modification_time_of_its_source()
    {
        var store = await NewStoreAsync(new CollectionInfo("m", 4));
        var records = new[] { Record("a", Vector(4, 1)), Record("b", Vector(4, 2)) };
        var written = await store.WriteBatchAsync(records);
        var before = (await store.FindAsync(written[0].Id))!;
        var other = (await store.FindAsync(written[1].Id))!;
        var modified = new DateTimeOffset(2025, 1, 2, 3, 4, 5, 678, TimeSpan.Zero);

        await store.TouchAsync("a", 987_654, modified);

        Assert.Equal(before with { SizeBytes = 987_654, Modified = modified }, await store.FindAsync(written[0].Id));
        Assert.Equal(other, await store.FindAsync(written[1].Id));
        AssertBits(records[0].Embedding, await store.ReadVectorAsync(written[0].Id));
        Assert.Equal(new FileFingerprint(written[0].Id, 987_654, modified, records[0].Sha256), (await store.LoadFingerprintsAsync())["a"]);
        Assert.Equal(2, await store.CountAsync());
    }

    [Fact]
    public async Task An_image_is_found_by_its_sha256()
    {
        var store = await NewStoreAsync(new CollectionInfo("m", 4));
        var records = new[] { Record("a", Vector(4, 1)), Record("b", Vector(4, 2)), Record("c", Vector(4, 3)) };
        var written = await store.WriteBatchAsync(records);

        for (var i = 0; i < records.Length; i++)
        {
            AssertImage(records[i], written[i].Id, await store.FindBySha256Async(records[i].Sha256));
        }

        Assert.Null(await store.FindBySha256Async(Sha256("unknown", 0)));

        // Two files with the same bytes: either one answers.
        var copy = Record("copy-of-b", Vector(4, 4)) with { Sha256 = records[1].Sha256 };
        var copyId = (await store.WriteBatchAsync([copy]))[0].Id;
        Assert.Contains((await store.FindBySha256Async(records[1].Sha256))?.Id, new long?[] { written[1].Id, copyId });
    }

    [Fact]
    public async Task The_list_pages_through_the_collection_in_id_order()
    {
        var store = await NewStoreAsync(new CollectionInfo("m", 4));
        long[] ids = [70, 30, 100, 10, 50, 90, 20, 80, 40, 60];
        var records = ids.Select(id => Record($"s{id}", Vector(4, (int)id), keep: new KeptIdentity(id, BaseModified))).ToArray();
        // Written in two batches, in no particular order of ids.
        await store.WriteBatchAsync(records[..4]);
        await store.WriteBatchAsync(records[4..]);

        var pages = new List<IReadOnlyList<StoredImage>>();
        for (var offset = 0; offset < 12; offset += 3)
        {
            pages.Add(await store.ListAsync(offset, 3));
        }

        Assert.Equal([3, 3, 3, 1, 0], pages.Select(p => p.Count).Append((await store.ListAsync(10, 3)).Count));
        Assert.Equal(ids.Order(), pages.SelectMany(p => p).Select(i => i.Id));
        foreach (var image in pages.SelectMany(p => p))
        {
            AssertImage(records.Single(r => r.Keep!.Id == image.Id), image.Id, image);
        }

        Assert.Equal([30L, 40, 50, 60, 70, 80, 90, 100], (await store.ListAsync(2, 100)).Select(i => i.Id));
        Assert.Empty(await store.ListAsync(50, 3));
    }

    [Theory]
    [InlineData(CollectionInfo.L2)]
    [InlineData(CollectionInfo.Cosine)]
    public async Task Search_answers_the_exact_nearest_first_with_true_distances(string metric)
    {
        var store = await NewStoreAsync(new CollectionInfo("m", 8, metric));
        var (query, vectors) = AroundQuery(metric, count: 150, dimension: 8, seed: 11);
        var images = await WriteAllAsync(store, vectors);

        await AssertNearestAsync(store, metric, query, 10, images);
        await AssertNearestAsync(store, metric, query, 1, images);

        // A stored vector is nearest to itself.
        var (id, (source, vector)) = images.ElementAt(37);
        var hit = (await store.SearchAsync(vector, 3))[0];
        Assert.Equal((id, source), (hit.Id, hit.Source));
        AssertDistance(0, hit.Distance);
    }

    [Theory]
    [InlineData(CollectionInfo.L2)]
    [InlineData(CollectionInfo.Cosine)]
    public async Task Search_for_more_than_there_is_answers_every_image(string metric)
    {
        var store = await NewStoreAsync(new CollectionInfo("m", 8, metric));
        var (query, vectors) = AroundQuery(metric, count: 6, dimension: 8, seed: 5);
        var images = await WriteAllAsync(store, vectors);

        Assert.Equal(6, (await store.SearchAsync(query, 50)).Count);
        await AssertNearestAsync(store, metric, query, 50, images);
    }

    [Fact]
    public async Task Equal_distances_come_in_id_order()
    {
        var store = await NewStoreAsync(new CollectionInfo("m", 4));
        // Written from the highest id down, so that neither writing order nor insertion order gives the id order.
        await store.WriteBatchAsync(
        [
            Record("t30", [1, 1, 0, 0], keep: new KeptIdentity(30, BaseModified)),
            Record("t20", [1, 1, 0, 0], keep: new KeptIdentity(20, BaseModified)),
            Record("t10", [1, 1, 0, 0], keep: new KeptIdentity(10, BaseModified)),
        ]);
        var others = await store.WriteBatchAsync([Record("near", [0, 0, 0, 0]), Record("far", [5, 5, 5, 5])]);

        var hits = await store.SearchAsync([1, 1, 0, 0.5f], 5);

        Assert.Equal([10L, 20, 30, others[0].Id, others[1].Id], hits.Select(h => h.Id));
        Assert.Equal(["t10", "t20", "t30", "near", "far"], hits.Select(h => h.Source));
        AssertDistance(0.5, hits[0].Distance);
        Assert.Equal(hits[0].Distance, hits[1].Distance);
        Assert.Equal(hits[0].Distance, hits[2].Distance);
        AssertDistance(1.5, hits[3].Distance);
    }

    [Theory]
    [InlineData(CollectionInfo.L2)]
    [InlineData(CollectionInfo.Cosine)]
    public async Task Stored_vectors_read_back_bit_for_bit(string metric)
    {
        const int Dimension = 2048;
        var store = await NewStoreAsync(new CollectionInfo("m", Dimension, metric));
        var first = WideVector(1);
        var second = WideVector(2);
        Assert.True(float.IsSubnormal(first[100]) && float.IsSubnormal(first[1024]) && float.IsSubnormal(first[2047]));

        var written = await store.WriteBatchAsync([Record("a", first), Record("b", second)]);

        AssertBits(first, await store.ReadVectorAsync(written[0].Id));
        AssertBits(second, await store.ReadVectorAsync(written[1].Id));
        var all = await ReadAllAsync(store);
        Assert.Equal(written.Select(w => w.Id).Order(), all.Select(e => e.Image.Id));
        AssertBits(first, all.Single(e => e.Image.Id == written[0].Id).Vector);
        AssertBits(second, all.Single(e => e.Image.Id == written[1].Id).Vector);
    }

    [Fact]
    public async Task Read_all_streams_every_image_in_id_order_with_its_vector()
    {
        var store = await NewStoreAsync(new CollectionInfo("m", 4));
        var records = new List<ImageRecord>
        {
            Record("k90", Vector(4, 1), keep: new KeptIdentity(90, BaseModified)),
            Record("k15", Vector(4, 2), keep: new KeptIdentity(15, BaseModified.AddDays(1))),
        };
        var ids = (await store.WriteBatchAsync(records)).Select(w => w.Id).ToList();
        var fresh = Enumerable.Range(0, 5).Select(i => Record($"n{i}", Vector(4, 10 + i), revision: i)).ToList();
        ids.AddRange((await store.WriteBatchAsync(fresh)).Select(w => w.Id));
        records.AddRange(fresh);
        Assert.True(await store.DeleteAsync(ids[3]));

        var all = await ReadAllAsync(store);

        var expected = ids.Select((id, i) => (Id: id, Record: records[i])).Where(e => e.Id != ids[3]).OrderBy(e => e.Id).ToList();
        Assert.Equal(expected.Select(e => e.Id), all.Select(e => e.Image.Id));
        for (var i = 0; i < all.Count; i++)
        {
            AssertImage(expected[i].Record, expected[i].Id, all[i].Image);
            Assert.Equal(await store.FindAsync(expected[i].Id), all[i].Image);
            AssertBits(expected[i].Record.Embedding, all[i].Vector);
        }

        Assert.Equal(BaseModified, all.Single(e => e.Image.Id == 90).Image.Added);
        Assert.Equal(BaseModified.AddDays(1), all.Single(e => e.Image.Id == 15).Image.Added);
    }

    [Fact]
    public async Task The_version_grows_with_every_write_and_delete()
    {
        var store = await NewStoreAsync(new CollectionInfo("m", 4));
        var versions = new List<long> { await store.ReadVersionAsync() };

        var written = await store.WriteBatchAsync([Record("a", Vector(4, 1)), Record("b", Vector(4, 2))]);
        versions.Add(await store.ReadVersionAsync());
        await store.WriteBatchAsync([Record("a", Vector(4, 3), revision: 1)]);
        versions.Add(await store.ReadVersionAsync());
        Assert.True(await store.DeleteAsync(written[1].Id));
        versions.Add(await store.ReadVersionAsync());
        await store.WriteBatchAsync([Record("c", Vector(4, 4), keep: new KeptIdentity(77, BaseModified))]);
        versions.Add(await store.ReadVersionAsync());

        for (var i = 1; i < versions.Count; i++)
        {
            Assert.True(versions[i] > versions[i - 1], $"the version did not grow at step {i}: {string.Join(", ", versions)}");
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(5)]
    public async Task A_vector_of_another_dimension_is_refused_and_nothing_of_its_batch_is_written(int dimension)
    {
        var store = await NewStoreAsync(new CollectionInfo("m", 4));
        var first = Record("a", Vector(4, 1));
        var id = (await store.WriteBatchAsync([first]))[0].Id;
        var version = await store.ReadVersionAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => store.WriteBatchAsync([Record("b", Vector(4, 2)), Record("c", Vector(dimension, 3))]));
        await Assert.ThrowsAsync<ArgumentException>(() => store.WriteBatchAsync([Record("a", Vector(4, 4), revision: 1), Record("d", Vector(dimension, 5))]));

        Assert.Equal(1, await store.CountAsync());
        Assert.Equal(["a"], (await store.LoadFingerprintsAsync()).Keys);
        AssertImage(first, id, await store.FindAsync(id));
        AssertBits(first.Embedding, await store.ReadVectorAsync(id));
        Assert.Equal(version, await store.ReadVersionAsync());
    }

    [Fact]
    public async Task Reopening_keeps_the_images_their_vectors_and_the_ids_handed_out()
    {
        if (!CanReopen)
        {
            return;
        }

        var expected = new CollectionInfo("m", 4);
        var store = await NewStoreAsync(expected);
        var written = await store.WriteBatchAsync([.. Enumerable.Range(0, 5).Select(i => Record($"s{i}", Vector(4, i)))]);
        var highest = written.Max(w => w.Id);
        Assert.True(await store.DeleteAsync(highest));
        await store.TouchAsync("s0", 5, BaseModified.AddHours(1));
        var entries = await ReadAllAsync(store);
        var fingerprints = await store.LoadFingerprintsAsync();
        var version = await store.ReadVersionAsync();

        var reopened = await ReopenStoreAsync(store, expected);

        Assert.Equal(expected.Metric, reopened.Collection.Metric);
        Assert.Equal(4, await reopened.CountAsync());
        var reread = await ReadAllAsync(reopened);
        Assert.Equal(entries.Select(e => e.Image), reread.Select(e => e.Image));
        Assert.Equal(entries.Select(e => Bits(e.Vector)), reread.Select(e => Bits(e.Vector)));
        Assert.Equal(fingerprints, await reopened.LoadFingerprintsAsync());
        Assert.True(await reopened.ReadVersionAsync() >= version, "the version went back");
        var hit = (await reopened.SearchAsync(entries[2].Vector, 1))[0];
        Assert.Equal(entries[2].Image.Id, hit.Id);

        var next = await reopened.WriteBatchAsync([Record("new", Vector(4, 9))]);
        Assert.True(next[0].Id > highest, $"id {next[0].Id} was handed out before reopening (the highest was {highest})");
    }

    [Theory]
    [InlineData(CollectionInfo.L2, CollectionInfo.Cosine)]
    [InlineData(CollectionInfo.Cosine, CollectionInfo.L2)]
    public async Task Reopening_keeps_the_stored_metric_whatever_is_expected(string stored, string expected)
    {
        if (!CanReopen)
        {
            return;
        }

        var store = await NewStoreAsync(new CollectionInfo("m", 4, stored));
        var images = await WriteAllAsync(store, [[1, 0, 0, 0], [0, 2, 0, 0], [3, 0.3f, 0, 0], [1, 1, 1, 1]]);

        var reopened = await ReopenStoreAsync(store, new CollectionInfo("m", 4, expected));

        Assert.Equal(new CollectionInfo("m", 4, stored), reopened.Collection with { ModelSha256 = null, ModelFile = null });
        Assert.Equal(4, await reopened.CountAsync());
        await AssertNearestAsync(reopened, stored, [1, 0.5f, 0, 0], 4, images);
    }

    [Fact]
    public async Task Reopening_with_another_dimension_is_refused_and_leaves_the_collection_as_it_was()
    {
        if (!CanReopen)
        {
            return;
        }

        var expected = new CollectionInfo("m", 4);
        var store = await NewStoreAsync(expected);
        await store.WriteBatchAsync([Record("a", Vector(4, 1))]);

        await Assert.ThrowsAsync<CollectionMismatchException>(() => ReopenStoreAsync(store, new CollectionInfo("m", 8)));

        var reopened = await ReopenStoreAsync(store, expected);
        Assert.Equal(4, reopened.Collection.Dimension);
        Assert.Equal(["a"], (await reopened.LoadFingerprintsAsync()).Keys);
    }

    [Fact]
    public async Task Reopening_with_another_model_is_refused_and_leaves_the_collection_as_it_was()
    {
        if (!CanReopen)
        {
            return;
        }

        var expected = new CollectionInfo("resnet50", 4);
        var store = await NewStoreAsync(expected);
        await store.WriteBatchAsync([Record("a", Vector(4, 1))]);

        await Assert.ThrowsAsync<CollectionMismatchException>(() => ReopenStoreAsync(store, new CollectionInfo("tiny", 4)));

        var reopened = await ReopenStoreAsync(store, expected);
        Assert.Equal("resnet50", reopened.Collection.Model);
        Assert.Equal(["a"], (await reopened.LoadFingerprintsAsync()).Keys);
    }

    [Fact]
    public async Task Concurrent_batches_of_different_sources_get_distinct_ids()
    {
        var store = await NewStoreAsync(new CollectionInfo("m", 4));
        var left = Enumerable.Range(0, 25).Select(i => Record($"left{i}", Vector(4, i))).ToArray();
        var right = Enumerable.Range(0, 25).Select(i => Record($"right{i}", Vector(4, 100 + i))).ToArray();

        var written = await Task.WhenAll(Task.Run(() => store.WriteBatchAsync(left)), Task.Run(() => store.WriteBatchAsync(right)));

        var all = written.SelectMany(w => w).ToList();
        Assert.Equal(50, all.Count);
        Assert.All(all, w => Assert.Equal(WriteOutcome.Added, w.Outcome));
        Assert.Equal(50, all.Select(w => w.Id).Distinct().Count());
        Assert.Equal(50, await store.CountAsync());
        var fingerprints = await store.LoadFingerprintsAsync();
        var records = left.Concat(right).ToArray();
        for (var i = 0; i < records.Length; i++)
        {
            Assert.Equal(all[i].Id, fingerprints[records[i].Source].Id);
            AssertBits(records[i].Embedding, await store.ReadVectorAsync(all[i].Id));
        }
    }

    [Fact]
    public async Task Concurrent_writes_of_the_same_new_source_give_it_one_id()
    {
        const int Rounds = 5;
        var store = await NewStoreAsync(new CollectionInfo("m", 4));

        for (var round = 0; round < Rounds; round++)
        {
            var record = Record($"race{round}", Vector(4, round));
            var written = await Task.WhenAll(Task.Run(() => store.WriteBatchAsync([record])), Task.Run(() => store.WriteBatchAsync([record])));

            var (first, second) = (Assert.Single(written[0]), Assert.Single(written[1]));
            Assert.Equal(first.Id, second.Id);
            Assert.Equal([WriteOutcome.Added, WriteOutcome.Updated], new[] { first.Outcome, second.Outcome }.Order());
            Assert.Equal(first.Id, (await store.LoadFingerprintsAsync())[record.Source].Id);
        }

        Assert.Equal(Rounds, await store.CountAsync());
        Assert.Equal(Rounds, (await store.ListAsync(0, 100)).Count);
    }

    /// <summary>
    /// Vectors around a query whose distances to it are spread apart: for L2 at radii 0.5, 0.54, 0.58… in random
    /// directions, for cosine at angles 0.1, 0.116… rad with random lengths, in a shuffled order.
    /// </summary>
    protected static (float[] Query, float[][] Vectors) AroundQuery(string metric, int count, int dimension, int seed)
    {
        var random = new Random(seed);
        var query = Gaussian(random, dimension);
        var unitQuery = Unit(query);
        var ranks = Enumerable.Range(0, count).ToArray();
        random.Shuffle(ranks);
        var vectors = new float[count][];
        for (var i = 0; i < count; i++)
        {
            var direction = Gaussian(random, dimension);
            var vector = new double[dimension];
            if (metric == CollectionInfo.L2)
            {
                var unit = Unit(direction);
                var radius = 0.5 + (0.04 * ranks[i]);
                for (var d = 0; d < dimension; d++)
                {
                    vector[d] = query[d] + (radius * unit[d]);
                }
            }
            else
            {
                // Gram-Schmidt: a unit vector orthogonal to the query, at the rank's angle from it.
                var along = direction.Zip(unitQuery, (a, b) => a * b).Sum();
                var orthogonal = Unit([.. direction.Select((a, d) => a - (along * unitQuery[d]))]);
                var angle = 0.1 + (ranks[i] * 2.4 / count);
                var length = 0.5 + (2.5 * random.NextDouble());
                for (var d = 0; d < dimension; d++)
                {
                    vector[d] = length * ((Math.Cos(angle) * unitQuery[d]) + (Math.Sin(angle) * orthogonal[d]));
                }
            }

            vectors[i] = [.. vector.Select(v => (float)v)];
        }

        return ([.. query.Select(v => (float)v)], vectors);
    }

    /// <summary>The distance of <paramref name="metric"/> in double precision: Euclidean (not squared) for L2, 1 − cos for cosine.</summary>
    protected static double ReferenceDistance(string metric, float[] a, float[] b)
    {
        double dot = 0, aa = 0, bb = 0, squares = 0;
        for (var i = 0; i < a.Length; i++)
        {
            double x = a[i], y = b[i];
            dot += x * y;
            aa += x * x;
            bb += y * y;
            squares += (x - y) * (x - y);
        }

        return metric switch
        {
            CollectionInfo.L2 => Math.Sqrt(squares),
            CollectionInfo.Cosine => 1 - (dot / Math.Sqrt(aa * bb)),
            _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "No reference distance for this metric."),
        };
    }

    /// <summary>A record whose fields all differ with <paramref name="source"/> and <paramref name="revision"/>.</summary>
    protected static ImageRecord Record(string source, float[] vector, int revision = 0, KeptIdentity? keep = null) => new(
        source,
        Sha256(source, revision),
        1_000 + (source.Length * 10) + revision,
        BaseModified.AddSeconds(revision).AddMilliseconds(source.Length),
        640 + revision,
        480 + revision,
        vector,
        keep);

    protected static string Sha256(string source, int revision) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{source}#{revision}")));

    /// <summary>A deterministic vector of values in [-1, 1).</summary>
    protected static float[] Vector(int dimension, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, dimension).Select(_ => (float)((random.NextDouble() * 2) - 1))];
    }

    /// <summary>Finite values of many magnitudes (2⁻⁴⁰ to 2²¹), both signs, 1e-30 and a few subnormals.</summary>
    private static float[] WideVector(int seed)
    {
        var random = new Random(seed);
        var vector = new float[2048];
        for (var i = 0; i < vector.Length; i++)
        {
            var sign = random.Next(2) == 0 ? 1 : -1;
            vector[i] = (float)(sign * Math.ScaleB(1 + random.NextDouble(), random.Next(-40, 21)));
        }

        vector[3] = 1e-30f;
        vector[100] = float.Epsilon;
        vector[777] = 1.17549435e-38f;
        vector[1024] = 1e-40f;
        vector[2047] = -3e-39f;
        return vector;
    }

    private static double[] Gaussian(Random random, int dimension) =>
        [.. Enumerable.Range(0, dimension).Select(_ => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))];

    private static double[] Unit(double[] vector)
    {
        var norm = Math.Sqrt(vector.Sum(v => v * v));
        return [.. vector.Select(v => v / norm)];
    }

    private static FileFingerprint Fingerprint(ImageRecord record, long id) => new(id, record.SizeBytes, record.Modified, record.Sha256);

    private static int[] Bits(float[] vector) => [.. vector.Select(BitConverter.SingleToInt32Bits)];

    private static void AssertBits(float[] expected, float[]? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(Bits(expected), Bits(actual));
    }

    private static void AssertImage(ImageRecord record, long id, StoredImage? image)
    {
        Assert.NotNull(image);
        Assert.Equal(
            (id, record.Source, record.Sha256, record.SizeBytes, record.Modified, record.Width, record.Height),
            (image.Id, image.Source, image.Sha256, image.SizeBytes, image.Modified, image.Width, image.Height));
    }

    /// <summary>An added time taken between the two readings of the clock (stores keep milliseconds, so one is allowed for).</summary>
    private static void AssertAddedBetween(DateTimeOffset before, DateTimeOffset after, DateTimeOffset added) =>
        Assert.InRange(added, before.AddMilliseconds(-1), after.AddMilliseconds(1));

    private static void AssertDistance(double expected, float actual)
    {
        var tolerance = (1e-4 * Math.Abs(expected)) + 1e-5;
        Assert.InRange(actual, expected - tolerance, expected + tolerance);
    }

    private static async Task AssertNearestAsync(IImageStore store, string metric, float[] query, int k, IReadOnlyDictionary<long, (string Source, float[] Vector)> images)
    {
        var expected = images
            .Select(image => (Id: image.Key, image.Value.Source, Distance: ReferenceDistance(metric, query, image.Value.Vector)))
            .OrderBy(hit => hit.Distance)
            .ThenBy(hit => hit.Id)
            .Take(k)
            .ToList();

        var hits = await store.SearchAsync(query, k);

        Assert.Equal(expected.Select(hit => hit.Id), hits.Select(hit => hit.Id));
        Assert.Equal(expected.Select(hit => hit.Source), hits.Select(hit => hit.Source));
        for (var i = 0; i < hits.Count; i++)
        {
            AssertDistance(expected[i].Distance, hits[i].Distance);
        }
    }

    private static async Task<Dictionary<long, (string Source, float[] Vector)>> WriteAllAsync(IImageStore store, float[][] vectors)
    {
        var records = vectors.Select((vector, i) => Record($"img{i:D3}", vector)).ToArray();
        var written = await store.WriteBatchAsync(records);
        return written.Select((w, i) => (w.Id, records[i])).ToDictionary(e => e.Id, e => (e.Item2.Source, e.Item2.Embedding));
    }

    private static async Task<List<StoredEntry>> ReadAllAsync(IImageStore store)
    {
        var entries = new List<StoredEntry>();
        await foreach (var entry in store.ReadAllAsync())
        {
            entries.Add(entry);
        }

        return entries;
    }

    /// <summary>Whether the subclass overrides <see cref="ReopenAsync"/>.</summary>
    private bool CanReopen =>
        GetType().GetMethod(nameof(ReopenAsync), BindingFlags.Instance | BindingFlags.NonPublic)!.DeclaringType != typeof(StoreContract);

    private async Task<IImageStore> NewStoreAsync(CollectionInfo expected)
    {
        var store = await OpenAsync(expected);
        opened.Add(store);
        return store;
    }

    private async Task<IImageStore> ReopenStoreAsync(IImageStore current, CollectionInfo expected)
    {
        var store = await ReopenAsync(current, expected);
        opened.Add(store);
        return store;
    }
}
