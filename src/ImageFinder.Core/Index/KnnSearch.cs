using System.Diagnostics;
using ImageFinder.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImageFinder.Index;

/// <summary>
/// Answers KNN queries over a store. Over the SQLite store (<see cref="VectorStore"/>) it keeps a <see cref="VectorIndex"/>: scanned in full (exact) up to
/// <see cref="KnnOptions.ExactMaxVectors"/> images, as an inverted file (approximate) above, or sqlite-vec's scan when
/// asked. The index is loaded from its file or built by <see cref="WarmAsync"/> (the API does this before it is ready);
/// a query that finds none yet starts building it in the background and is answered by sqlite-vec meanwhile. Training
/// the inverted file (when the collection first needs it, and again each time it has grown fourfold) also runs in the
/// background, while the current index answers; the trained index is then saved beside the database.
/// Any other store (a Garnet cluster) answers with its own index, which is shared by every process that uses it.
/// Each query's time, by the mode that answered it, is measured by <see cref="KnnMetrics"/>.
/// </summary>
public sealed class KnnSearch : IDisposable
{
    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromMinutes(1);

    private readonly IImageStore store;
    private readonly VectorStore? sqlite;
    private readonly KnnOptions options;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private readonly CancellationTokenSource stopping = new();
    private volatile VectorIndex? index;
    private Task? background;
    private DateTimeOffset failedAt = DateTimeOffset.MinValue;
    private bool disposed;

    public KnnSearch(IImageStore store, KnnOptions options, ILogger? logger = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ExactMaxVectors, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.RerankCandidates, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Probes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Cells, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ExactRerankCandidates, 0);
        this.store = store;
        sqlite = store as VectorStore;
        this.options = options;
        this.logger = logger ?? NullLogger.Instance;
    }

    public KnnOptions Options => options;

    /// <summary>The mode the last query used (<see cref="KnnMode.SqliteVec"/> when no index was ready yet, or when the store answers with its own index).</summary>
    public KnnMode LastMode { get; private set; } = KnnMode.SqliteVec;

    /// <summary>Whether the store answers every query with its own index (a Garnet cluster's vector sets), so none is kept here.</summary>
    public bool UsesStoreIndex => sqlite is null;

    /// <summary>Where the trained index is kept (null for a store that keeps its own index).</summary>
    public string? IndexPath => sqlite is null ? null : IndexFile.PathFor(sqlite.Path);

    /// <summary>What the index holds now.</summary>
    public IndexStatus Status
    {
        get
        {
            if (sqlite is null)
            {
                return new IndexStatus(store.Kind, 0, 0, 0, 0);
            }

            var current = index;
            var busy = background is { IsCompleted: false };
            if (current is null)
            {
                return new IndexStatus(busy ? "building" : failedAt != DateTimeOffset.MinValue ? "failed" : "none", 0, 0, 0, 0);
            }

            var state = current.IsTrained ? "trained" : "exact";
            return new IndexStatus(busy ? state + ", training" : state, current.Count, current.CellCount, current.MemoryBytes, current.TrainedCount);
        }
    }

    /// <summary>
    /// Loads or builds the index now, and trains it if the collection needs an inverted file, so the first query does
    /// not wait or fall back. Does nothing in <see cref="KnnMode.SqliteVec"/>.
    /// </summary>
    public async Task WarmAsync(CancellationToken cancellationToken = default)
    {
        if (options.Mode == KnnMode.SqliteVec || sqlite is null)
        {
            return;
        }

        Task work;
        lock (gate)
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            work = background is { IsCompleted: false } running ? running : background = Task.Run(Maintain, CancellationToken.None);
        }

        await work.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (index is { } ready)
        {
            // One query through every step, so the first real one finds the code jitted and the pages cached.
            ready.Search(new float[store.Collection.Dimension], 1, options.Probes, options.RerankCandidates);
        }
    }

    public Task<IReadOnlyList<SearchHit>> SearchAsync(float[] query, int k, CancellationToken cancellationToken = default) =>
        SearchAsync(query, k, ImageFilter.None, cancellationToken);

    /// <summary>
    /// The <paramref name="k"/> nearest images among those <paramref name="filter"/> matches. The in-memory index finds
    /// the matching images in its facets: a small subset (no more than about twice the rows an unfiltered probe scans, and
    /// at most <see cref="KnnOptions.ExactMaxVectors"/>) is scanned exactly, a larger one inside the inverted file with the
    /// probes widened by the filter's selectivity (<see cref="VectorIndex.Search(float[], int, ImageFilter, int, int, int, int, out bool)"/>).
    /// </summary>
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(float[] query, int k, ImageFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var started = Stopwatch.GetTimestamp();
        var (hits, mode) = await FindAsync(query, k, filter, cancellationToken).ConfigureAwait(false);
        LastMode = mode;
        KnnMetrics.Searched(UsesStoreIndex ? null : mode, Stopwatch.GetElapsedTime(started).TotalSeconds);
        return hits;
    }

    /// <summary>The mode a query on a collection of <paramref name="count"/> images uses once the index is ready.</summary>
    public KnnMode ModeFor(long count) =>
        options.Mode != KnnMode.Auto ? options.Mode : count > options.ExactMaxVectors ? KnnMode.Approximate : KnnMode.Exact;

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
            running = background;
        }

        stopping.Cancel();
        try
        {
            running?.Wait();
        }
        catch (AggregateException)
        {
            // Logged where it happened.
        }

        var current = index;
        if (current is { IsTrained: true, Changed: true } && options.PersistIndex)
        {
            TrySave(current);
        }

        current?.Dispose();
        stopping.Dispose();
    }

    /// <summary>The most candidates an exhaustive scan re-ranks for <paramref name="k"/> results (<see cref="KnnOptions.ExactRerankCandidates"/>).</summary>
    private int ExactRerankCap(int k) => options.ExactRerankCandidates == 0 ? int.MaxValue : Math.Max(options.ExactRerankCandidates, 2 * k);

    /// <summary>The query answered, and the mode that answered it.</summary>
    private async Task<(IReadOnlyList<SearchHit> Hits, KnnMode Mode)> FindAsync(float[] query, int k, ImageFilter filter, CancellationToken cancellationToken)
    {
        var current = options.Mode == KnnMode.SqliteVec || sqlite is null ? null : index;
        if (current is null || (store.Collection.Metric == CollectionInfo.Cosine && System.Numerics.Tensors.TensorPrimitives.Norm(query) == 0))
        {
            // No index yet (or a query without a direction, which only sqlite-vec's own convention ranks).
            if (options.Mode != KnnMode.SqliteVec && sqlite is not null)
            {
                StartMaintenance();
            }

            var found = filter.IsEmpty
                ? await store.SearchAsync(query, k, cancellationToken).ConfigureAwait(false)
                : await store.SearchAsync(query, k, filter, cancellationToken).ConfigureAwait(false);
            return (found, KnnMode.SqliteVec);
        }

        current.Refresh();
        var count = current.Count;
        if (WantsInvertedFile(count))
        {
            if (!current.IsTrained || count > 4L * current.TrainedCount)
            {
                StartMaintenance();
            }

            if (current.IsTrained)
            {
                var hits = current.Search(query, k, filter, options.Probes, options.RerankCandidates, options.ExactMaxVectors, ExactRerankCap(k), out var exhaustive);
                return (hits, exhaustive ? KnnMode.Exact : KnnMode.Approximate);
            }
        }

        return (current.Search(query, k, filter, int.MaxValue, ExactRerankCap(k), options.ExactMaxVectors, ExactRerankCap(k), out _), KnnMode.Exact);
    }

    private bool WantsInvertedFile(long count) =>
        options.Mode == KnnMode.Approximate || (options.Mode == KnnMode.Auto && count > options.ExactMaxVectors);

    private void StartMaintenance()
    {
        lock (gate)
        {
            if (disposed || background is { IsCompleted: false } || DateTimeOffset.UtcNow - failedAt < RetryAfterFailure)
            {
                return;
            }

            background = Task.Run(Maintain, CancellationToken.None);
        }
    }

    /// <summary>Loads or builds the index if there is none, then trains it while the collection wants an inverted file it has not got.</summary>
    private void Maintain()
    {
        var cancellationToken = stopping.Token;
        try
        {
            if (index is null)
            {
                var ready = LoadOrBuild(cancellationToken);
                index = ready;
            }

            var current = index!;
            current.Refresh();
            var count = current.Count;
            if (!WantsInvertedFile(count) || (current.IsTrained && count <= 4L * current.TrainedCount) || count == 0)
            {
                return;
            }

            var started = DateTimeOffset.UtcNow;
            var cells = options.CellsFor(count);
            logger.LogInformation("Training the search index: {Count:N0} images into {Cells:N0} cells", count, cells);
            var trained = current.Train(cells, cancellationToken);
            trained.Refresh();
            index = trained;
            current.Dispose();
            logger.LogInformation("Search index trained in {Seconds:F1} s: {Count:N0} images, {Cells:N0} cells, {MiB:N0} MiB", (DateTimeOffset.UtcNow - started).TotalSeconds, trained.Count, trained.CellCount, trained.MemoryBytes / (1024 * 1024));
            if (options.PersistIndex)
            {
                TrySave(trained);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            failedAt = DateTimeOffset.UtcNow;
            logger.LogError(e, "Building the search index failed; searches use sqlite-vec's scan until it succeeds (retried after {Minutes} min)", RetryAfterFailure.TotalMinutes);
        }
    }

    private VectorIndex LoadOrBuild(CancellationToken cancellationToken)
    {
        var file = sqlite!;
        if (options.PersistIndex && File.Exists(IndexPath))
        {
#pragma warning disable CA2000 // Returned to the caller, which owns it.
            var loaded = VectorIndex.Load(file, IndexPath!, out var reason);
#pragma warning restore CA2000
            if (loaded is not null)
            {
                logger.LogInformation("Search index loaded from {Path} ({Reason})", IndexPath, reason);
                return loaded;
            }

            logger.LogWarning("The search index file {Path} is not used ({Reason}); building a new one", IndexPath, reason);
        }

        var started = DateTimeOffset.UtcNow;
        var built = VectorIndex.Build(file, cancellationToken);
        logger.LogInformation("Search index built in {Seconds:F1} s: {Count:N0} images", (DateTimeOffset.UtcNow - started).TotalSeconds, built.Count);
        return built;
    }

    private void TrySave(VectorIndex trained)
    {
        try
        {
            trained.Save(IndexPath!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("The search index could not be saved to {Path} ({Message}); the next start builds it again", IndexPath, e.Message);
        }
    }
}
