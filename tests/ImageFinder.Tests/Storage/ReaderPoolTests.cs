using System.Data;
using ImageFinder.Storage;
using ImageFinder.Tests.Support;
using Microsoft.Data.Sqlite;

namespace ImageFinder.Tests.Storage;

public sealed class ReaderPoolTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Disposing_the_store_closes_its_idle_readers_and_every_reader_returned_afterwards()
    {
        var store = VectorStore.Open(temp.Combine("v.db"), new CollectionInfo("m", 2));
        var leased = Enumerable.Range(0, 3).Select(_ => store.Readers.Rent()).ToList();
        Assert.All(leased, connection => Assert.Equal(ConnectionState.Open, connection.State));
        store.Readers.Return(leased[0]);
        Assert.Equal(1, store.Readers.IdleCount);

        store.Dispose();
        Assert.Equal(ConnectionState.Closed, leased[0].State);
        store.Readers.Return(leased[1]);
        store.Readers.Return(leased[2]);

        Assert.All(leased, connection => Assert.Equal(ConnectionState.Closed, connection.State));
        Assert.Equal(0, store.Readers.IdleCount);
        Assert.Throws<ObjectDisposedException>(() => store.Readers.Rent());
        Assert.Throws<ObjectDisposedException>(() => store.CountAsync().GetAwaiter().GetResult());
    }

    [Fact]
    public void A_dispose_in_the_middle_of_a_return_leaves_no_connection_open()
    {
        var opened = new List<SqliteConnection>();
        var pool = new ReaderPool(() => Open(opened), capacity: 4);
        var idle = pool.Rent();
        var returning = pool.Rent();
        pool.Return(idle);

        // Dispose runs while the second connection is being returned, between the return's two steps.
        pool.AfterPooled = () =>
        {
            pool.AfterPooled = null;
            pool.Dispose();
        };
        pool.Return(returning);

        Assert.Equal(2, opened.Count);
        Assert.All(opened, connection => Assert.Equal(ConnectionState.Closed, connection.State));
        Assert.Equal(0, pool.IdleCount);
    }

    private static SqliteConnection Open(List<SqliteConnection> opened)
    {
        var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        opened.Add(connection);
        return connection;
    }
}
