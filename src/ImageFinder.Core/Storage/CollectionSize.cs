using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImageFinder.Storage;

/// <summary>
/// The number of images in a store, remembered for the <see cref="CollectionMetrics"/> gauge. Every
/// <see cref="CountAsync"/> (readiness checks and <c>/stats</c> call it) updates what the gauge reports; a scrape that
/// finds the count older than <see cref="RefreshInterval"/> starts one count in the background and reports the last
/// one, so scrapes never wait for the store and a Garnet cluster is asked at most once an interval however often it
/// is scraped. When a count fails, the last one stays (the readiness check says the store is down).
/// </summary>
public sealed class CollectionSize : IDisposable
{
    /// <summary>How old the reported count may get while the gauge is being scraped.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(15);

    private readonly IImageStore store;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private long? images;
    private long countedAt;
    private Task? refreshing;
    private bool disposed;

    public CollectionSize(IImageStore store, ILogger? logger = null)
    {
        this.store = store;
        this.logger = logger ?? NullLogger.Instance;
        CollectionMetrics.Track(this);
    }

    /// <summary>The store's kind, the gauge's tag.</summary>
    public string StoreKind => store.Kind;

    /// <summary>The count last read, or null before the first.</summary>
    public long? Last
    {
        get
        {
            lock (gate)
            {
                return images;
            }
        }
    }

    /// <summary>The background count the gauge last started, if any (tests await it).</summary>
    internal Task? Refreshing
    {
        get
        {
            lock (gate)
            {
                return refreshing;
            }
        }
    }

    /// <summary>Counts the images in the store now, and remembers the count for the gauge.</summary>
    public async Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        var count = await store.CountAsync(cancellationToken).ConfigureAwait(false);
        lock (gate)
        {
            images = count;
            countedAt = Stopwatch.GetTimestamp();
        }

        return count;
    }

    public void Dispose()
    {
        Task? running;
        lock (gate)
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            running = refreshing;
        }

        CollectionMetrics.Forget(this);
        // The store is closed after this: let a count in flight finish first (it logs its own failure).
        running?.GetAwaiter().GetResult();
    }

    /// <summary>For the gauge: the last count, after starting a background count when it is missing or stale.</summary>
    internal long? Observe()
    {
        lock (gate)
        {
            var stale = images is null || Stopwatch.GetElapsedTime(countedAt) >= RefreshInterval;
            if (stale && !disposed && refreshing is not { IsCompleted: false })
            {
                refreshing = Task.Run(RefreshAsync);
            }

            return images;
        }
    }

    private async Task RefreshAsync()
    {
        try
        {
            await CountAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogWarning("Metrics: could not count the images of the {Store} store: {Message}", store.Kind, e.Message);
        }
    }
}
