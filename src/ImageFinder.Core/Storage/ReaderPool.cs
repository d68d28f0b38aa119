using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace ImageFinder.Storage;

/// <summary>
/// The read connections of a <see cref="VectorStore"/>: one is rented per read, kept for the next read when it comes
/// back (up to a capacity), and every one is closed once the pool is disposed, including those still rented then.
/// </summary>
/// <remarks>
/// Race-free without a lock: a return puts the connection in the pool first and checks for disposal second, and
/// disposal marks the pool first and empties it second. Whichever of the two comes last finds the connection and
/// closes it; both are full fences, so neither can miss the other.
/// </remarks>
internal sealed class ReaderPool : IDisposable
{
    private readonly Func<SqliteConnection> open;
    private readonly int capacity;
    private readonly ConcurrentBag<SqliteConnection> idle = [];
    private int disposed;

    public ReaderPool(Func<SqliteConnection> open, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 0);
        this.open = open;
        this.capacity = capacity;
    }

    /// <summary>Connections waiting in the pool for the next read.</summary>
    public int IdleCount => idle.Count;

    /// <summary>Test seam: runs in <see cref="Return"/> after the connection is in the pool and before the check for disposal.</summary>
    internal Action? AfterPooled { get; set; }

    private bool IsDisposed => Volatile.Read(ref disposed) != 0;

    /// <summary>A pooled connection, or a new one; the caller hands it back with <see cref="Return"/>.</summary>
    public SqliteConnection Rent()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
#pragma warning disable CA2000 // The caller owns the connection until it returns it.
        return idle.TryTake(out var connection) ? connection : open();
#pragma warning restore CA2000
    }

    /// <summary>Keeps <paramref name="connection"/> for the next read, or closes it (pool full or disposed).</summary>
    public void Return(SqliteConnection connection)
    {
        if (IsDisposed || idle.Count >= capacity)
        {
            connection.Dispose();
            return;
        }

        idle.Add(connection);
        AfterPooled?.Invoke();

        // A full fence between the add and the read: a Dispose that emptied the pool before the add is seen here.
        if (Interlocked.CompareExchange(ref disposed, 0, 0) != 0)
        {
            CloseIdle();
        }
    }

    /// <summary>Closes the idle connections; connections still rented are closed when they come back.</summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref disposed, 1);
        CloseIdle();
    }

    private void CloseIdle()
    {
        while (idle.TryTake(out var connection))
        {
            connection.Dispose();
        }
    }
}
