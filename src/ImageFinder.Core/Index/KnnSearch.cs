using ImageFinder.Storage;
namespace ImageFinder.Index;

/// <summary>
/// Chooses how to answer a KNN query: sqlite-vec's exact scan for small collections (or when asked), the
/// <see cref="QuantizedIndex"/> for large ones. The index is built on first need (or by <see cref="WarmAsync"/>)
/// and then follows the database.
/// </summary>
public sealed class KnnSearch : IDisposable
{
    private readonly VectorStore store;
    private readonly KnnOptions options;
    private readonly Lock buildGate = new();
    private QuantizedIndex? index;

    public KnnSearch(VectorStore store, KnnOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ExactMaxVectors, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.RerankCandidates, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.CoarseCandidates, 1);
        this.store = store;
        this.options = options;
    }

    public KnnOptions Options => options;

    /// <summary>The mode the last query used.</summary>
    public KnnMode LastMode { get; private set; } = KnnMode.Exact;

    /// <summary>Builds the quantized index now if the collection needs it, so the first query does not pay for it.</summary>
    public async Task WarmAsync(CancellationToken cancellationToken = default)
    {
        if (await ModeForAsync(cancellationToken).ConfigureAwait(false) == KnnMode.Quantized)
        {
            // One query through every step, so the first real one finds the code jitted and the pages cached.
            EnsureIndex().Search(new float[store.Collection.Dimension], 1, options.RerankCandidates, options.CoarseCandidates);
        }
    }

    public async Task<IReadOnlyList<SearchHit>> SearchAsync(float[] query, int k, CancellationToken cancellationToken = default)
    {
        var mode = await ModeForAsync(cancellationToken).ConfigureAwait(false);
        LastMode = mode;
        if (mode == KnnMode.Exact)
        {
            return await store.SearchAsync(query, k, cancellationToken).ConfigureAwait(false);
        }

        var quantized = EnsureIndex();
        quantized.Refresh();
        return quantized.Search(query, k, options.RerankCandidates, options.CoarseCandidates);
    }

    /// <summary>The mode a query on a collection of <paramref name="count"/> images uses.</summary>
    public KnnMode ModeFor(long count) =>
        options.Mode != KnnMode.Auto ? options.Mode : count > options.ExactMaxVectors ? KnnMode.Quantized : KnnMode.Exact;

    public void Dispose() => index?.Dispose();

    private async Task<KnnMode> ModeForAsync(CancellationToken cancellationToken)
    {
        if (options.Mode != KnnMode.Auto)
        {
            return options.Mode;
        }

        long count;
        if (Volatile.Read(ref index) is { } built)
        {
            built.Refresh();
            count = built.Count;
        }
        else
        {
            count = await store.CountAsync(cancellationToken).ConfigureAwait(false);
        }

        return ModeFor(count);
    }

    private QuantizedIndex EnsureIndex()
    {
        if (Volatile.Read(ref index) is { } built)
        {
            return built;
        }

        lock (buildGate)
        {
            return index ??= QuantizedIndex.Build(store);
        }
    }
}
