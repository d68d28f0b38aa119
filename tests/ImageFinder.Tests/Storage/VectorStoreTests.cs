using ImageFinder.Storage;
using ImageFinder.Tests.Support;
using Microsoft.Data.Sqlite;

namespace ImageFinder.Tests.Storage;

public sealed class VectorStoreTests : IDisposable
{
    private readonly TempFolder temp = new();

    [Fact]
    public async Task Knn_returns_the_nearest_by_l2_in_order_with_true_distances()
    {
        using var store = VectorStore.Open(temp.Combine("v.db"), new CollectionInfo("m", 4));
        await store.WriteBatchAsync(
        [
            Record("a", [0, 0, 0, 0]),
            Record("b", [1, 0, 0, 0]),
            Record("c", [3, 4, 0, 0]),
            Record("d", [10, 10, 10, 10]),
        ]);

        var hits = await store.SearchAsync([0.9f, 0, 0, 0], 3);

        Assert.Equal(["b", "a", "c"], hits.Select(h => h.Source));
        Assert.Equal(0.1f, hits[0].Distance, 4);
        Assert.Equal(0.9f, hits[1].Distance, 4);
        Assert.Equal(MathF.Sqrt((2.1f * 2.1f) + 16), hits[2].Distance, 4);
    }

    [Fact]
    public async Task Empty_database_answers_no_hits()
    {
        using var store = VectorStore.Open(temp.Combine("v.db"), new CollectionInfo("m", 4));
        Assert.Empty(await store.SearchAsync([1, 2, 3, 4], 3));
        Assert.Equal(0, await store.CountAsync());
    }

    [Fact]
    public async Task Rewriting_a_source_keeps_its_id_and_replaces_its_vector()
    {
        using var store = VectorStore.Open(temp.Combine("v.db"), new CollectionInfo("m", 2));
        var first = await store.WriteBatchAsync([Record("a", [0, 0]), Record("b", [5, 5])]);
        var second = await store.WriteBatchAsync([Record("a", [9, 9])]);

        Assert.Equal(WriteOutcome.Updated, second[0].Outcome);
        Assert.Equal(first[0].Id, second[0].Id);
        var hits = await store.SearchAsync([9, 9], 2);
        Assert.Equal(["a", "b"], hits.Select(h => h.Source));
        Assert.Equal(2, await store.CountAsync());
        Assert.Equal(2, CountRows(store.Path, "vec_images"));
    }

    [Fact]
    public async Task A_deleted_id_is_never_given_to_another_image_even_after_reopening()
    {
        var path = temp.Combine("v.db");
        using (var store = VectorStore.Open(path, new CollectionInfo("m", 2)))
        {
            var first = await store.WriteBatchAsync([Record("a", [0, 0]), Record("b", [1, 1])]);
            Assert.True(await store.DeleteAsync(first[1].Id));

            var second = await store.WriteBatchAsync([Record("c", [2, 2])]);
            Assert.Equal(first[1].Id + 1, second[0].Id);
            Assert.True(await store.DeleteAsync(second[0].Id));
        }

        using var reopened = VectorStore.Open(path, new CollectionInfo("m", 2));
        var third = await reopened.WriteBatchAsync([Record("d", [3, 3])]);
        Assert.Equal(4, third[0].Id);
        Assert.Null(await reopened.FindAsync(2));
        Assert.Null(await reopened.FindAsync(3));
    }

    [Fact]
    public async Task A_failing_batch_writes_nothing()
    {
        using var store = VectorStore.Open(temp.Combine("v.db"), new CollectionInfo("m", 2));
        await Assert.ThrowsAsync<ArgumentException>(() => store.WriteBatchAsync([Record("a", [1, 1]), Record("b", [1, 1, 1])]));
        Assert.Equal(0, await store.CountAsync());
    }

    [Fact]
    public void Reopening_with_another_dimension_is_a_clear_error()
    {
        VectorStore.Open(temp.Combine("v.db"), new CollectionInfo("m", 2)).Dispose();

        var error = Assert.Throws<CollectionMismatchException>(() => VectorStore.Open(temp.Combine("v.db"), new CollectionInfo("m", 3)));
        Assert.Contains("2-dimensional", error.Message);
        Assert.Contains("produces 3", error.Message);
    }

    [Fact]
    public void Reopening_with_another_model_is_a_clear_error()
    {
        VectorStore.Open(temp.Combine("v.db"), new CollectionInfo("resnet50", 2)).Dispose();

        var error = Assert.Throws<CollectionMismatchException>(() => VectorStore.Open(temp.Combine("v.db"), new CollectionInfo("tiny", 2)));
        Assert.Contains("'resnet50'", error.Message);
    }

    [Fact]
    public void Reopening_with_another_model_file_of_the_same_name_is_an_error_naming_both_files_and_hashes()
    {
        var path = temp.Combine("v.db");
        VectorStore.Open(path, new CollectionInfo("resnet50", 2, ModelSha256: new string('a', 64), ModelFile: "resnet50.onnx")).Dispose();

        var error = Assert.Throws<CollectionMismatchException>(() =>
            VectorStore.Open(path, new CollectionInfo("resnet50", 2, ModelSha256: new string('b', 64), ModelFile: "resnet50-finetuned.onnx")));

        Assert.Contains("'resnet50.onnx' (SHA-256 " + new string('a', 64) + ")", error.Message);
        Assert.Contains("'resnet50-finetuned.onnx' (SHA-256 " + new string('b', 64) + ")", error.Message);
        Assert.Contains("reindex", error.Message);
        using var same = VectorStore.Open(path, new CollectionInfo("resnet50", 2, ModelSha256: new string('a', 64), ModelFile: "moved/resnet50.onnx"));
        Assert.Equal(new string('a', 64), same.Collection.ModelSha256);
    }

    [Fact]
    public void A_database_from_before_model_hashes_adopts_the_first_file_it_is_opened_with()
    {
        var path = temp.Combine("v.db");
        VectorStore.Open(path, new CollectionInfo("resnet50", 2)).Dispose();

        using (var adopted = VectorStore.Open(path, new CollectionInfo("resnet50", 2, ModelSha256: new string('c', 64), ModelFile: "resnet50.onnx")))
        {
            Assert.Equal(new string('c', 64), adopted.Collection.ModelSha256);
        }

        Assert.Throws<CollectionMismatchException>(() => VectorStore.Open(path, new CollectionInfo("resnet50", 2, ModelSha256: new string('d', 64), ModelFile: "resnet50.onnx")));
    }

    [Fact]
    public void A_database_of_another_program_is_refused()
    {
        var path = temp.Combine("other.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "create table images (x); pragma user_version = 7;";
            command.ExecuteNonQuery();
        }

        var error = Assert.Throws<CollectionMismatchException>(() => VectorStore.Open(path, new CollectionInfo("m", 2)));
        Assert.Contains("schema version 7", error.Message);
    }

    [Fact]
    public void The_database_is_in_wal_mode()
    {
        using var store = VectorStore.Open(temp.Combine("v.db"), new CollectionInfo("m", 2));
        using var connection = new SqliteConnection($"Data Source={store.Path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "pragma journal_mode";
        Assert.Equal("wal", command.ExecuteScalar());
    }

    public void Dispose() => temp.Dispose();

    private static ImageRecord Record(string source, float[] vector) =>
        new(source, "sha-" + source, 1, DateTimeOffset.UnixEpoch, 1, 1, vector);

    private static long CountRows(string path, string table)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        connection.EnableExtensions(true);
        connection.LoadExtension(ImageFinder.Native.NativeLibraries.SqliteVecPath);
        using var command = connection.CreateCommand();
        command.CommandText = $"select count(*) from {table}";
        return (long)command.ExecuteScalar()!;
    }
}
