using System.Security.Cryptography;
using ImageFinder.Inference;
using ImageFinder.Ingestion;
using ImageFinder.Search;
using ImageFinder.Storage;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Cli;

public sealed class ReindexCommandTests : IDisposable
{
    private readonly TempFolder temp = new();

    private string OldDatabase => temp.Combine("old.db");

    private string NewDatabase => temp.Combine("new.db");

    private string Images => temp.Combine("images");

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Reindex_keeps_ids_sources_labels_and_added_times_with_the_new_models_vectors_and_leaves_the_old_database_as_it_was()
    {
        var paths = WriteLabelledCollection(9);
        await IngestAsync();
        // A deleted image leaves a gap in the ids: the new database must keep the others' ids, not renumber them.
        using (var store = VectorStore.Open(OldDatabase, new CollectionInfo("tiny-test-cnn (NOT ResNet-50)", 2048)))
        {
            Assert.True(await store.DeleteAsync((await store.FindBySha256Async(Sha256(paths[2])))!.Id));
        }

        File.Delete(paths[5]); // a source that vanished since it was ingested
        var oldImages = ReadAll(OldDatabase);
        var oldBytes = Sha256(OldDatabase);

        var (exitCode, output, error) = await ReindexAsync();

        Assert.Equal(0, exitCode);
        Assert.Contains("done: 7 re-embedded, 0 already done, 1 failed", output);
        Assert.Contains("7 of 8 images", output);
        Assert.Contains($"failed: {paths[5]}: the file of image", error);
        Assert.Equal(oldBytes, Sha256(OldDatabase));

        var newImages = ReadAll(NewDatabase);
        var kept = oldImages.Where(image => image.Source != paths[5]).ToList();
        Assert.Equal(kept.Select(i => (i.Id, i.Source, i.Added, ImageLabel.Of(i.Source))), newImages.Select(i => (i.Id, i.Source, i.Added, ImageLabel.Of(i.Source))));

        // The vectors are the new model's, not copies of the old ones.
        using var embedder = OnnxImageEmbedder.Load(TestModel.Options() with { ModelPath = SecondTestModel.Path });
        using var reindexed = VectorStore.Open(NewDatabase, ImageSearch.CollectionFor(embedder.Model));
        using var old = VectorStore.Open(OldDatabase, new CollectionInfo("tiny-test-cnn (NOT ResNet-50)", 2048));
        foreach (var image in newImages)
        {
            var expected = (await embedder.EmbedAsync(await File.ReadAllBytesAsync(image.Source))).Vector;
            var stored = new float[2048];
            var before = new float[2048];
            Assert.True(reindexed.ReadVectors([image.Id], stored)[0]);
            Assert.True(old.ReadVectors([image.Id], before)[0]);
            Assert.Equal(expected, stored);
            Assert.NotEqual(before, stored);
        }

        Assert.Equal(SecondTestModel.Name, reindexed.Collection.Model);
        Assert.Equal(OnnxImageEmbedder.FileSha256(SecondTestModel.Path), reindexed.Collection.ModelSha256);
    }

    [Fact]
    public async Task Reindex_interrupted_after_its_first_commit_finishes_on_the_second_run_and_embeds_nothing_twice()
    {
        WriteLabelledCollection(40);
        await IngestAsync();
        using var embedder = OnnxImageEmbedder.Load(TestModel.Options(maxBatchSize: 4) with { ModelPath = SecondTestModel.Path });

        int committedBeforeStop;
        using (var source = StoredCollection.Open(OldDatabase))
        using (var target = VectorStore.Open(NewDatabase, ImageSearch.CollectionFor(embedder.Model)))
        {
            // Ctrl-C as soon as the first batch is committed (progress reports a written image only after its commit).
            using var stop = new CancellationTokenSource();
            var progress = new SynchronousProgress<IngestProgress>(p =>
            {
                if (p.Added > 0)
                {
                    stop.Cancel();
                }
            });
            var job = new ReindexJob(embedder, target, new IngestOptions { WriteBatchSize = 4 });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.RunAsync(source, progress, stop.Token));
            committedBeforeStop = (int)await target.CountAsync();
        }

        Assert.InRange(committedBeforeStop, 1, 39);

        var (exitCode, output, error) = await ReindexAsync();

        Assert.True(exitCode == 0, output + error);
        Assert.Contains($"done: {40 - committedBeforeStop} re-embedded, {committedBeforeStop} already done, 0 failed", output);
        var audit = DatabaseAudit.Read(NewDatabase);
        audit.AssertConsistent();
        Assert.Equal(ReadAll(OldDatabase).Select(i => (i.Id, i.Source)), ReadAll(NewDatabase).Select(i => (i.Id, i.Source)));
    }

    [Fact]
    public async Task An_id_the_old_collection_used_is_never_handed_out_by_the_new_database()
    {
        var paths = WriteLabelledCollection(4);
        await IngestAsync();
        long deleted;
        using (var store = VectorStore.Open(OldDatabase, new CollectionInfo("tiny-test-cnn (NOT ResNet-50)", 2048)))
        {
            // The highest id goes: no row of the new database will carry it, only the old one's sequence remembers it.
            deleted = (await store.ListAsync(0, 10)).Max(image => image.Id);
            Assert.True(await store.DeleteAsync(deleted));
        }

        var (exitCode, output, error) = await ReindexAsync();
        Assert.True(exitCode == 0, output + error);

        using var embedder = OnnxImageEmbedder.Load(TestModel.Options() with { ModelPath = SecondTestModel.Path });
        using var reindexed = VectorStore.Open(NewDatabase, ImageSearch.CollectionFor(embedder.Model));
        Assert.Equal(3, await reindexed.CountAsync());
        var added = await reindexed.WriteBatchAsync([new ImageRecord(paths[0] + ".new", "sha-new", 1, DateTimeOffset.UnixEpoch, 1, 1, new float[2048])]);
        Assert.Equal(deleted + 1, added[0].Id);
    }

    [Fact]
    public async Task A_new_database_that_holds_another_collection_is_refused_and_left_as_it_was()
    {
        WriteLabelledCollection(4);
        await IngestAsync();
        var other = temp.Combine("other");
        TestImages.WriteCollection(other, 2, firstPattern: 50);
        var (ingested, _, _) = await CliRunner.RunAsync("ingest", "--folder", other, "--db", NewDatabase, "--model", SecondTestModel.Path);
        Assert.Equal(0, ingested);
        var before = Sha256(NewDatabase);

        var (exitCode, _, error) = await ReindexAsync();

        Assert.Equal(2, exitCode);
        Assert.Contains("not a re-index of that collection", error);
        Assert.Equal(2, ReadAll(NewDatabase).Count);
        Assert.Equal(before, Sha256(NewDatabase));
    }

    [Fact]
    public async Task A_missing_old_database_is_a_clear_error_and_creates_nothing()
    {
        var (exitCode, _, error) = await ReindexAsync();

        Assert.Equal(2, exitCode);
        Assert.Contains("--db", error);
        Assert.Contains("old.db", error);
        Assert.False(File.Exists(NewDatabase));
    }

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private static IReadOnlyList<StoredImage> ReadAll(string database)
    {
        using var collection = StoredCollection.Open(database);
        return collection.Images();
    }

    /// <summary>Pattern images in three label folders.</summary>
    private List<string> WriteLabelledCollection(int count)
    {
        var paths = new List<string>();
        for (var i = 0; i < count; i++)
        {
            paths.AddRange(TestImages.WriteCollection(Path.Combine(Images, $"label{i % 3}"), 1, firstPattern: i).Select(p =>
            {
                var unique = Path.Combine(Path.GetDirectoryName(p)!, $"image-{i:D2}{Path.GetExtension(p)}");
                File.Move(p, unique);
                return unique;
            }));
        }

        return paths;
    }

    private async Task IngestAsync()
    {
        var (exitCode, output, error) = await CliRunner.RunAsync("ingest", "--folder", Images, "--db", OldDatabase, "--model", TestModel.Path);
        Assert.True(exitCode == 0, output + error);
    }

    private Task<(int ExitCode, string Output, string Error)> ReindexAsync() =>
        CliRunner.RunAsync("reindex", "--db", OldDatabase, "--model", SecondTestModel.Path, "--out", NewDatabase);
}
