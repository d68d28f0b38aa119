using System.Security.Cryptography;
using ImageFinder.Configuration;
using ImageFinder.Storage;
using ImageFinder.Storage.Garnet;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Storage;

/// <summary>Moving a collection between the SQLite file and Garnet (in-process): lossless, resumable, the source untouched.</summary>
public sealed class CollectionMigrationTests(GarnetServerFixture server) : IClassFixture<GarnetServerFixture>, IDisposable
{
    private const int Dimension = 2048;
    private static readonly CollectionInfo Info = new("m", Dimension, CollectionInfo.Cosine, new string('a', 64), "m.onnx");
    private readonly TempFolder temp = new();

    [Fact]
    public async Task SQLite_to_Garnet_and_back_keeps_ids_rows_and_vectors_bit_for_bit_and_never_touches_the_source()
    {
        var path = temp.Combine("source.db");
        await FillAsync(path, 150, deleteHighest: true);
        var sourceHash = SHA256.HashData(await File.ReadAllBytesAsync(path));
        List<StoredEntry> original;
        using (var reading = StoredCollection.Open(path))
        {
            original = await StoredEntries.ReadAllAsync(reading);
        }

        var there = Options("there");
        using (var file = StoredCollection.Open(path))
        using (var cluster = await GarnetStore.OpenAsync(there, file.Collection))
        {
            var summary = await CollectionMigration.CopyAsync(file, cluster);
            Assert.Equal((149, 0, 149L), (summary.Copied, summary.Skipped, summary.TargetCount));
            Assert.Equal(CollectionInfo.Cosine, cluster.Collection.Metric);
            StoredEntries.AssertSame(original, await StoredEntries.ReadAllAsync(cluster));
        }

        Assert.Equal(sourceHash, SHA256.HashData(await File.ReadAllBytesAsync(path)));

        using var back = await GarnetStore.OpenExistingAsync(there);
        using var copy = VectorStore.Open(temp.Combine("back.db"), back.Collection);
        await CollectionMigration.CopyAsync(back, copy);
        StoredEntries.AssertSame(original, await StoredEntries.ReadAllAsync(copy));
        Assert.Equal(original.Count, await copy.CountAsync());
        var query = original[17].Vector;
        Assert.Equal((await back.SearchAsync(query, 5)).Select(h => h.Id), (await copy.SearchAsync(query, 5)).Select(h => h.Id));

        // The deleted highest id of the source is never handed out again, in either copy.
        var (id, _) = (await copy.WriteBatchAsync([Record("/new.png", 999)]))[0];
        Assert.True(id > 150, $"a new image got id {id}, which the source had used");
        var (garnetId, _) = (await back.WriteBatchAsync([Record("/new.png", 999)]))[0];
        Assert.True(garnetId > 150, $"a new image got id {garnetId} on Garnet, which the source had used");
    }

    [Fact]
    public async Task An_interrupted_migration_resumes_and_copies_only_the_rest()
    {
        var path = temp.Combine("source.db");
        await FillAsync(path, 200, deleteHighest: false);
        using var file = StoredCollection.Open(path);
        using var cluster = await GarnetStore.OpenAsync(Options("resume"), file.Collection);
        using var stop = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => CollectionMigration.CopyAsync(file, cluster, new CancelAfterFirstBatch(stop), stop.Token));
        var partial = await cluster.CountAsync();
        var summary = await CollectionMigration.CopyAsync(file, cluster);

        Assert.InRange(partial, CollectionMigration.BatchSize, 200 - 1);
        Assert.Equal(partial, summary.Skipped);
        Assert.Equal(200 - partial, summary.Copied);
        StoredEntries.AssertSame(await StoredEntries.ReadAllAsync(file), await StoredEntries.ReadAllAsync(cluster));
    }

    [Fact]
    public async Task A_target_that_holds_other_images_is_refused_before_anything_is_written()
    {
        var path = temp.Combine("source.db");
        await FillAsync(path, 10, deleteHighest: false);
        using var file = StoredCollection.Open(path);
        using var cluster = await GarnetStore.OpenAsync(Options("taken"), file.Collection);
        await cluster.WriteBatchAsync([Record("/elsewhere.png", 1)]);

        var error = await Assert.ThrowsAsync<CollectionMismatchException>(() => CollectionMigration.CopyAsync(file, cluster));

        Assert.Contains("/elsewhere.png", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, await cluster.CountAsync());
    }

    [Fact]
    public async Task A_target_of_other_vectors_is_refused()
    {
        var path = temp.Combine("source.db");
        await FillAsync(path, 3, deleteHighest: false);
        using var file = StoredCollection.Open(path);
        using var other = VectorStore.Open(temp.Combine("l2.db"), Info with { Metric = CollectionInfo.L2 });

        var error = await Assert.ThrowsAsync<CollectionMismatchException>(() => CollectionMigration.CopyAsync(file, other));

        Assert.Contains("cosine", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await other.CountAsync());
    }

    public void Dispose() => temp.Dispose();

    private GarnetOptions Options(string prefix) => new() { Endpoints = server.Garnet.Endpoint, Prefix = prefix + Guid.NewGuid().ToString("N")[..8], Shards = 4 };

    private static async Task FillAsync(string path, int count, bool deleteHighest)
    {
        using var store = VectorStore.Open(path, Info);
        await store.WriteBatchAsync([.. Enumerable.Range(0, count).Select(i => Record($"/photos/class{i % 3}/{i}.jpg", i))]);
        if (deleteHighest)
        {
            Assert.True(await store.DeleteAsync(count));
        }
    }

    private static ImageRecord Record(string source, int i)
    {
        var random = new Random(i);
        var vector = new float[Dimension];
        for (var d = 0; d < Dimension; d++)
        {
            vector[d] = (float)((random.NextDouble() * 2) - 1) * (d % 97 == 0 ? 1e-38f : 1f);
        }

        return new ImageRecord(source, Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(i))), 1000 + i, DateTimeOffset.FromUnixTimeMilliseconds(1_600_000_000_000 + (i * 1001)), 64 + i, 48 + i, vector);
    }

    private sealed class CancelAfterFirstBatch(CancellationTokenSource stop) : IProgress<MigrationProgress>
    {
        public void Report(MigrationProgress value) => stop.Cancel();
    }
}
