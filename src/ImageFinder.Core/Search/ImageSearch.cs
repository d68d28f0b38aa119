using System.Diagnostics;
using ImageFinder.Configuration;
using ImageFinder.Index;
using ImageFinder.Inference;
using ImageFinder.Storage;
using ImageFinder.Storage.Garnet;
using Microsoft.Extensions.Logging;

namespace ImageFinder.Search;

/// <summary>Reverse image search: embed the query image, then KNN in the store.</summary>
public sealed class ImageSearch : IDisposable
{
    private readonly OnnxImageEmbedder embedder;

    private ImageSearch(OnnxImageEmbedder embedder, IImageStore store, KnnOptions knnOptions, ILogger? logger)
    {
        this.embedder = embedder;
        Store = store;
        Knn = new KnnSearch(store, knnOptions, logger);
        CollectionSize = new CollectionSize(store, logger);
    }

    public IImageEmbedder Embedder => embedder;

    public IImageStore Store { get; }

    /// <summary>KNN over <see cref="Store"/>: the in-memory index (exact or approximate) or sqlite-vec.</summary>
    public KnnSearch Knn { get; }

    /// <summary>The images in <see cref="Store"/>, counted on demand and remembered for the collection gauge.</summary>
    public CollectionSize CollectionSize { get; }

    public EmbeddingModel Model => embedder.Model;

    /// <summary>
    /// Loads the model and opens (or creates) its collection in the store the settings name: the SQLite file
    /// (<see cref="ImageFinderOptions.Database"/>) or the Garnet cluster (<see cref="ImageFinderOptions.Garnet"/>).
    /// </summary>
    public static async Task<ImageSearch> OpenAsync(ImageFinderOptions options, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.UsesGarnet)
        {
            return Open(options.Database, options.ToEmbedderOptions(), options.ToKnnOptions(), CollectionInfo.ParseMetric(options.Metric), logger);
        }

        var embedder = OnnxImageEmbedder.Load(options.ToEmbedderOptions());
        try
        {
            var store = await GarnetStore.OpenAsync(options.Garnet, CollectionFor(embedder.Model, CollectionInfo.ParseMetric(options.Metric)), logger, cancellationToken).ConfigureAwait(false);
            return new ImageSearch(embedder, store, options.ToKnnOptions(), logger);
        }
        catch
        {
            embedder.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Loads the model and opens (or creates) its database. <paramref name="metric"/> (default l2) is the distance of a new
    /// database; an existing one keeps its stored metric (see <see cref="VectorStore.Collection"/>).
    /// </summary>
    public static ImageSearch Open(string databasePath, EmbedderOptions embedderOptions, KnnOptions? knnOptions = null, string? metric = null, ILogger? logger = null)
    {
        var embedder = OnnxImageEmbedder.Load(embedderOptions);
        try
        {
            var store = VectorStore.Open(databasePath, CollectionFor(embedder.Model, metric));
            return new ImageSearch(embedder, store, knnOptions ?? new KnnOptions(), logger);
        }
        catch
        {
            embedder.Dispose();
            throw;
        }
    }

    /// <summary>What a database of <paramref name="model"/>'s vectors records: name, dimension, metric (l2 unless given), file SHA-256 and name.</summary>
    public static CollectionInfo CollectionFor(EmbeddingModel model, string? metric = null) =>
        new(model.Name, model.Dimension, metric ?? CollectionInfo.L2, model.Sha256, System.IO.Path.GetFileName(model.Path));

    /// <summary>The <paramref name="k"/> stored images nearest to <paramref name="image"/>, nearest first, with the time each step took.</summary>
    /// <exception cref="Imaging.ImageDecodeException">The bytes are not a usable image.</exception>
    public Task<ImageSearchResult> SearchAsync(ReadOnlyMemory<byte> image, int k, CancellationToken cancellationToken = default) =>
        SearchAsync(image, k, ImageFilter.None, cancellationToken);

    /// <summary>The <paramref name="k"/> stored images nearest to <paramref name="image"/> among those <paramref name="filter"/> matches.</summary>
    /// <exception cref="Imaging.ImageDecodeException">The bytes are not a usable image.</exception>
    public async Task<ImageSearchResult> SearchAsync(ReadOnlyMemory<byte> image, int k, ImageFilter filter, CancellationToken cancellationToken = default)
    {
        var embedding = await embedder.EmbedAsync(image, cancellationToken).ConfigureAwait(false);
        return await SearchAsync(embedding, k, filter, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The search of one embedded query (from <see cref="IImageEmbedder.EmbedAsync"/> or <see cref="EmbedBatchAsync"/>):
    /// the <paramref name="k"/> stored images nearest to it among those <paramref name="filter"/> matches, nearest first, with
    /// its decode and inference times and the KNN's.
    /// Every query image, alone or in a batch, is searched here.
    /// </summary>
    public async Task<ImageSearchResult> SearchAsync(ImageEmbedding query, int k, ImageFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var knnStarted = Stopwatch.GetTimestamp();
        var hits = await Knn.SearchAsync(query.Vector, k, filter, cancellationToken).ConfigureAwait(false);
        return new ImageSearchResult(hits, query.Decode, query.Inference, Stopwatch.GetElapsedTime(knnStarted));
    }

    /// <summary>
    /// Embeds several query images together, so that they share inference runs (see <see cref="OnnxImageEmbedder.EmbedBatchAsync"/>);
    /// each usable one is then searched with <see cref="SearchAsync(ImageEmbedding, int, ImageFilter, CancellationToken)"/>.
    /// </summary>
    /// <exception cref="InferenceBusyException">The whole group does not fit the inference queue now.</exception>
    public Task<IReadOnlyList<EmbeddingOutcome>> EmbedBatchAsync(IReadOnlyList<ReadOnlyMemory<byte>> images, CancellationToken cancellationToken = default) =>
        embedder.EmbedBatchAsync(images, cancellationToken);

    /// <summary>
    /// "More like this": the <paramref name="k"/> stored images nearest to stored image <paramref name="id"/>,
    /// itself left out; null when there is no such image.
    /// </summary>
    public Task<IReadOnlyList<SearchHit>?> SimilarAsync(long id, int k, CancellationToken cancellationToken = default) =>
        SimilarAsync(id, k, ImageFilter.None, cancellationToken);

    /// <summary>"More like this" among the images <paramref name="filter"/> matches.</summary>
    public async Task<IReadOnlyList<SearchHit>?> SimilarAsync(long id, int k, ImageFilter filter, CancellationToken cancellationToken = default)
    {
        if (await Store.ReadVectorAsync(id, cancellationToken).ConfigureAwait(false) is not { } vector)
        {
            return null;
        }

        var hits = await Knn.SearchAsync(vector, k + 1, filter, cancellationToken).ConfigureAwait(false);
        return hits.Where(hit => hit.Id != id).Take(k).ToList();
    }

    public void Dispose()
    {
        CollectionSize.Dispose();
        Knn.Dispose();
        Store.Dispose();
        embedder.Dispose();
    }
}
