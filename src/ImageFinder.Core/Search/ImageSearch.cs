using ImageFinder.Inference;
using ImageFinder.Storage;

namespace ImageFinder.Search;

/// <summary>Reverse image search: embed the query image, then KNN in the store.</summary>
public sealed class ImageSearch : IDisposable
{
    private readonly OnnxImageEmbedder embedder;

    private ImageSearch(OnnxImageEmbedder embedder, VectorStore store)
    {
        this.embedder = embedder;
        Store = store;
    }

    public IImageEmbedder Embedder => embedder;

    public VectorStore Store { get; }

    public EmbeddingModel Model => embedder.Model;

    /// <summary>Loads the model and opens (or creates) its database.</summary>
    public static ImageSearch Open(string databasePath, EmbedderOptions embedderOptions)
    {
        var embedder = OnnxImageEmbedder.Load(embedderOptions);
        try
        {
            var store = VectorStore.Open(databasePath, new CollectionInfo(embedder.Model.Name, embedder.Model.Dimension));
            return new ImageSearch(embedder, store);
        }
        catch
        {
            embedder.Dispose();
            throw;
        }
    }

    /// <summary>The <paramref name="k"/> stored images nearest to <paramref name="image"/>, nearest first.</summary>
    /// <exception cref="Imaging.ImageDecodeException">The bytes are not a usable image.</exception>
    public async Task<IReadOnlyList<SearchHit>> SearchAsync(ReadOnlyMemory<byte> image, int k, CancellationToken cancellationToken = default)
    {
        var embedding = await embedder.EmbedAsync(image, cancellationToken).ConfigureAwait(false);
        return await Store.SearchAsync(embedding.Vector, k, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        Store.Dispose();
        embedder.Dispose();
    }
}
