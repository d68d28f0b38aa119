namespace ImageFinder.Mapping;

/// <summary>How the collection's embeddings are laid out in 2 or 3 dimensions.</summary>
public enum MapMethod
{
    /// <summary>Principal component analysis: the directions of largest variance (linear; distances along them are meaningful).</summary>
    Pca,

    /// <summary>Barnes-Hut t-SNE from a PCA start: keeps neighbourhoods, not global distances.</summary>
    Tsne,
}
