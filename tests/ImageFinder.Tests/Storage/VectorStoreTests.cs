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

    [Fact]
    public async Task Stored_vectors_read_back_bit_for_bit_from_sqlite_vecs_chunks_after_updates_and_deletes()
    {
        using var store = VectorStore.Open(temp.Combine("v.db"), new CollectionInfo("m", 5));
        var random = new Random(7);
        float[] Vector() => [.. Enumerable.Range(0, 5).Select(_ => (float)random.NextDouble() - 0.5f)];

        // More rows than one chunk holds, so the rows are spread over several chunks and slots.
        var vectors = Enumerable.Range(0, 30).ToDictionary(i => $"s{i}", _ => Vector());
        var written = await store.WriteBatchAsync([.. vectors.Select(v => Record(v.Key, v.Value))]);
        var ids = written.Select(w => w.Id).ToArray();
        vectors["s3"] = Vector();
        await store.WriteBatchAsync([Record("s3", vectors["s3"])]);
        Assert.True(await store.DeleteAsync(ids[10]));

        Assert.True(store.ReadsChunksDirectly);
        var read = new float[ids.Length * 5];
        var found = store.ReadVectors(ids, read);

        for (var i = 0; i < ids.Length; i++)
        {
            Assert.Equal(i != 10, found[i]);
            if (i != 10)
            {
                Assert.Equal(vectors[$"s{i}"], read.AsSpan(i * 5, 5).ToArray());
            }
        }

        Assert.Equal([false], store.ReadVectors([ids[^1] + 1], new float[5]));

        // Sources of a list in one statement: the deleted and the unknown id are left out.
        var sources = store.ReadSources([ids[2], ids[10], ids[^1] + 1, ids[29]]);
        Assert.Equal(new Dictionary<long, string> { [ids[2]] = "s2", [ids[29]] = "s29" }, sources);
    }

    [Fact]
    public async Task Sqlite_vecs_point_query_reads_the_same_vectors_in_order_and_stops_when_asked()
    {
        using var store = VectorStore.Open(temp.Combine("v.db"), new CollectionInfo("m", 3));
        var written = await store.WriteBatchAsync([.. Enumerable.Range(0, 12).Select(i => Record($"s{i}", [i, -i, i * 0.5f]))]);
        Assert.True(await store.DeleteAsync(written[4].Id));
        long[] ids = [written[7].Id, written[4].Id, written[0].Id, written[11].Id, written[2].Id];

        List<(int Row, float[] Vector)> Read(bool direct)
        {
            store.ReadsChunksDirectly = direct;
            var seen = new List<(int, float[])>();
            // Stops before the fifth: rows 0..3 are asked for, the deleted row 1 is skipped.
            store.ReadVectorsInOrder(ids, next => next < 4, (row, vector) => seen.Add((row, vector.ToArray())));
            return seen;
        }

        var chunks = Read(direct: true);
        var pointQuery = Read(direct: false);

        Assert.Equal([0, 2, 3], chunks.Select(r => r.Row));
        Assert.Equal([7f, -7f, 3.5f], chunks[0].Vector);
        Assert.Equal(chunks.Select(r => (r.Row, string.Join(',', r.Vector))), pointQuery.Select(r => (r.Row, string.Join(',', r.Vector))));
    }

    [Fact]
    public async Task A_database_whose_vec0_tables_have_another_layout_is_read_through_sqlite_vecs_point_query()
    {
        var path = temp.Combine("v.db");
        using (var store = VectorStore.Open(path, new CollectionInfo("m", 2)))
        {
            await store.WriteBatchAsync([Record("a", [1, 2])]);
        }

        // As another sqlite-vec version might name its tables: the check at open must notice and fall back.
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "alter table vec_images_rowids rename column chunk_offset to slot";
            command.ExecuteNonQuery();
        }

        using var reopened = VectorStore.Open(path, new CollectionInfo("m", 2));
        Assert.False(reopened.ReadsChunksDirectly);
    }

    [Fact]
    public void The_layout_check_compares_a_row_read_both_ways()
    {
        // Plain tables with sqlite-vec's names: vec_images answers [1, 2] for image 1; the chunk holds it at slot 1.
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            create table vec_images (image_id integer primary key, embedding blob);
            create table vec_images_rowids (rowid integer primary key, id, chunk_id integer, chunk_offset integer);
            create table vec_images_vector_chunks00 (rowid primary key, vectors blob not null);
            insert into vec_images values (1, $expected);
            insert into vec_images_rowids values (1, null, 1, $slot);
            insert into vec_images_vector_chunks00 values (1, $chunk);
            """;
        byte[] expected = [.. BitConverter.GetBytes(1f), .. BitConverter.GetBytes(2f)];
        command.Parameters.AddWithValue("$expected", expected);
        command.Parameters.AddWithValue("$chunk", (byte[])[.. new byte[8], .. expected]);
        command.Parameters.AddWithValue("$slot", 0);
        command.ExecuteNonQuery();
        Assert.False(VecChunkReader.Verify(connection, 2));

        command.CommandText = "update vec_images_rowids set chunk_offset = 1";
        command.ExecuteNonQuery();
        Assert.True(VecChunkReader.Verify(connection, 2));
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
