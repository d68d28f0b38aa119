using ImageFinder.Mapping;
using ImageFinder.Storage;

namespace ImageFinder.Api.Map;

/// <summary>
/// Computes maps of the collection off the request thread and caches one per (method, dimensions), keyed by the
/// collection version, so a map is recomputed only after the collection has changed. One computation runs at a
/// time (others wait for the slot), and at most one is queued or running per (method, dimensions). A request
/// waits up to <see cref="Wait"/> for a computation; past that it is told the map is still computing.
/// </summary>
public sealed class CollectionMaps : IDisposable
{
    private readonly SemaphoreSlim slot = new(1, 1);
    private readonly CancellationTokenSource stopping = new();
    private readonly Lock sync = new();
    private readonly Dictionary<(MapMethod, int), CollectionMap> done = [];
    private readonly Dictionary<(MapMethod, int), Task<CollectionMap>> running = [];
    private readonly ILogger<CollectionMaps> logger;

    public CollectionMaps(ILogger<CollectionMaps> logger)
        : this(logger, TimeSpan.FromSeconds(5))
    {
    }

    internal CollectionMaps(ILogger<CollectionMaps> logger, TimeSpan wait)
    {
        this.logger = logger;
        Wait = wait;
    }

    /// <summary>How long a request waits for a computation before it gets 202 (5 s).</summary>
    public TimeSpan Wait { get; }

    public async Task<MapLookup> GetAsync(IImageStore store, MapMethod method, int dimensions, CancellationToken cancellationToken)
    {
        var version = await store.ReadVersionAsync(cancellationToken);
        var key = (method, dimensions);
        Task<CollectionMap> computation;
        lock (sync)
        {
            if (done.TryGetValue(key, out var cached) && cached.Version == version)
            {
                return new MapLookup(cached, Failed: false);
            }

            if (!running.TryGetValue(key, out computation!))
            {
                computation = Task.Run(() => ComputeAsync(store, method, dimensions), CancellationToken.None);
                running[key] = computation;
            }
        }

        var finished = await Task.WhenAny(computation, Task.Delay(Wait, cancellationToken)) == computation;
        cancellationToken.ThrowIfCancellationRequested();
        if (!finished)
        {
            return new MapLookup(null, Failed: false);
        }

        try
        {
            var map = await computation;
            // A computation that started before the latest write shows an older collection: the next request starts a new one.
            return map.Version >= version ? new MapLookup(map, Failed: false) : new MapLookup(null, Failed: false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            // ComputeAsync logged the cause once; every request waiting for this computation gets only "failed".
            return new MapLookup(null, Failed: true);
        }
    }

    /// <summary>Cancels the computations (they stop at their next check); the token source stays valid for any still finishing.</summary>
    public void Dispose() => stopping.Cancel();

    private async Task<CollectionMap> ComputeAsync(IImageStore store, MapMethod method, int dimensions)
    {
        var key = (method, dimensions);
        try
        {
            await slot.WaitAsync(stopping.Token);
            try
            {
                var started = System.Diagnostics.Stopwatch.StartNew();
                var map = await CollectionMapper.ComputeAsync(store, method, dimensions, stopping.Token);
                logger.LogInformation(
                    "Map {Method} {Dimensions}D of {Points} images (collection version {Version}) computed in {Seconds:F1} s",
                    method, dimensions, map.Points.Count, map.Version, started.Elapsed.TotalSeconds);
                lock (sync)
                {
                    if (!done.TryGetValue(key, out var previous) || previous.Version <= map.Version)
                    {
                        done[key] = map;
                    }
                }

                return map;
            }
            finally
            {
                slot.Release();
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Map {Method} {Dimensions}D failed: {Error}", method, dimensions, e.Message);
            throw;
        }
        finally
        {
            lock (sync)
            {
                running.Remove(key);
            }
        }
    }
}
