using ImageFinder.Native;
using ImageFinder.Storage;
using ImageFinder.Tests.Support;
using Microsoft.Data.Sqlite;

namespace ImageFinder.Tests.Storage;

public sealed class SchemaMigrationTests : IDisposable
{
    private const int Dimension = 8;
    private readonly TempFolder temp = new();

    private string Database => temp.Combine("v1.db");

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task A_version_1_database_is_migrated_in_place_keeping_its_rows_vectors_and_indexes_and_no_id_ever_used_is_handed_out_again()
    {
        // Ids 3 and 6 were deleted; 6 is above every id still there, so only the tombstone remembers it.
        SchemaVersion1.Create(Database, Dimension, [(1, "a", Vector(1)), (2, "b", Vector(2)), (4, "d", Vector(4)), (5, "e", Vector(5))], deleted: [3, 6]);
        var rowsBefore = Rows(Database);

        using (var store = VectorStore.Open(Database, new CollectionInfo("m", Dimension)))
        {
            Assert.Equal(Rows(Database), rowsBefore);
            var hit = (await store.SearchAsync(Vector(4), 1))[0];
            Assert.Equal((4L, 0f), (hit.Id, hit.Distance));
            Assert.Equal(2, (await store.FindBySha256Async("sha-b"))!.Id);

            var added = await store.WriteBatchAsync([Record("f", Vector(7))]);
            Assert.Equal(7, added[0].Id);
        }

        Assert.Equal(2L, Scalar(Database, "pragma user_version"));
        Assert.Contains("autoincrement", (string)Scalar(Database, "select sql from sqlite_master where type = 'table' and name = 'images'")!, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(["images_sha256", "images_version"], Strings(Database, "select name from sqlite_master where type = 'index' and tbl_name = 'images' and sql is not null order by name"));
        Assert.Equal(1L, Scalar(Database, "select count(*) from pragma_index_list('images') where origin = 'u' and \"unique\" = 1"));
        Assert.Equal(7L, Scalar(Database, "select seq from sqlite_sequence where name = 'images'"));
        Assert.Equal(0L, Scalar(Database, "select count(*) from sqlite_master where name like 'images_v%' and type = 'table'"));
        DatabaseAudit.Read(Database).AssertConsistent();

        // Opening it again is an ordinary open of a current database.
        using var reopened = VectorStore.Open(Database, new CollectionInfo("m", Dimension));
        Assert.Equal(8, (await reopened.WriteBatchAsync([Record("g", Vector(8))]))[0].Id);
    }

    [Fact]
    public async Task An_empty_version_1_database_continues_after_its_highest_deleted_id()
    {
        SchemaVersion1.Create(Database, Dimension, [], deleted: [1, 2, 9]);

        using var store = VectorStore.Open(Database, new CollectionInfo("m", Dimension));

        Assert.Equal(10, (await store.WriteBatchAsync([Record("a", Vector(1))]))[0].Id);
    }

    [Fact]
    public void A_version_1_database_that_does_not_fit_the_model_is_refused_and_left_at_version_1()
    {
        SchemaVersion1.Create(Database, Dimension, [(1, "a", Vector(1))], deleted: [2]);
        var rowsBefore = Rows(Database);

        Assert.Throws<CollectionMismatchException>(() => VectorStore.Open(Database, new CollectionInfo("another-model", Dimension)));

        Assert.Equal(1L, Scalar(Database, "pragma user_version"));
        Assert.DoesNotContain("autoincrement", (string)Scalar(Database, "select sql from sqlite_master where type = 'table' and name = 'images'")!, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(rowsBefore, Rows(Database));
    }

    [Fact]
    public void StoredCollection_reads_a_version_1_database_without_changing_it_and_knows_its_highest_id_ever_used()
    {
        SchemaVersion1.Create(Database, Dimension, [(1, "a", Vector(1)), (4, "d", Vector(4))], deleted: [2, 6]);

        using (var collection = StoredCollection.Open(Database))
        {
            Assert.Equal([1L, 4L], collection.Images().Select(image => image.Id));
            Assert.Equal(6, collection.IdHighWaterMark());
        }

        Assert.Equal(1L, Scalar(Database, "pragma user_version"));
    }

    [Fact]
    public async Task StoredCollection_reads_a_current_database_and_its_id_sequence()
    {
        var path = temp.Combine("v2.db");
        using (var store = VectorStore.Open(path, new CollectionInfo("m", Dimension)))
        {
            var ids = await store.WriteBatchAsync([Record("a", Vector(1)), Record("b", Vector(2)), Record("c", Vector(3))]);
            Assert.True(await store.DeleteAsync(ids[2].Id));
        }

        using var collection = StoredCollection.Open(path);
        Assert.Equal(["a", "b"], collection.Images().Select(image => image.Source));
        Assert.Equal(3, collection.IdHighWaterMark());
    }

    private static float[] Vector(int seed) => Enumerable.Range(0, Dimension).Select(d => (float)((seed * 7) + d)).ToArray();

    private static ImageRecord Record(string source, float[] vector) => new(source, "sha-" + source, 1, DateTimeOffset.UnixEpoch, 1, 1, vector);

    private static SqliteConnection Connect(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        connection.EnableExtensions(true);
        connection.LoadExtension(NativeLibraries.SqliteVecPath);
        return connection;
    }

    private static object? Scalar(string path, string sql)
    {
        using var connection = Connect(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static List<string> Strings(string path, string sql)
    {
        using var connection = Connect(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    /// <summary>Every column of every image row, in id order.</summary>
    private static List<string> Rows(string path) =>
        Strings(path, "select id || '|' || source || '|' || sha256 || '|' || size_bytes || '|' || modified_ms || '|' || width || '|' || height || '|' || added_ms || '|' || version from images order by id");
}
