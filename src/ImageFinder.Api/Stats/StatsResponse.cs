using System.ComponentModel.DataAnnotations;
using ImageFinder.Index;
using ImageFinder.Storage;

namespace ImageFinder.Api.Stats;

/// <summary>The collection and how it is searched.</summary>
/// <param name="Count">Images in the collection.</param>
/// <param name="Model">The model that embedded them.</param>
/// <param name="ModelSha256">SHA-256 of the model's ONNX file, as the database records it (vectors of another file are refused).</param>
/// <param name="Dimension">Embedding dimension.</param>
/// <param name="Metric">Distance of the collection: <c>l2</c>, <c>cosine</c> or <c>l1</c>.</param>
/// <param name="Store">Where the collection is kept: <c>sqlite</c> (one file) or <c>garnet</c> (a cluster).</param>
/// <param name="DatabaseBytes">Size on disk of the SQLite database and its write-ahead log (null for a Garnet store).</param>
/// <param name="SearchMode">The configured KNN mode (Auto, Exact, Approximate or SqliteVec).</param>
/// <param name="ActiveSearch">How a search runs at this size once the index is ready: Exact, Approximate or SqliteVec; Garnet when the cluster's vector sets answer.</param>
/// <param name="ExactSearchMaxVectors">In Auto mode, collections up to this size are searched exactly.</param>
/// <param name="Index">The in-memory search index: its state, images, cells and memory (state <c>garnet</c>: the cluster's own index is used).</param>
/// <param name="WritesEnabled">Whether an API key is configured, so POST and DELETE /images work.</param>
public sealed record StatsResponse(
    long Count,
    string Model,
    string? ModelSha256,
    int Dimension,
    [property: AllowedValues(CollectionInfo.L2, CollectionInfo.Cosine, CollectionInfo.L1)] string Metric,
    [property: AllowedValues(StoreKinds.Sqlite, StoreKinds.Garnet)] string Store,
    long? DatabaseBytes,
    [property: AllowedValues(nameof(KnnMode.Auto), nameof(KnnMode.Exact), nameof(KnnMode.Approximate), nameof(KnnMode.SqliteVec))] string SearchMode,
    [property: AllowedValues(nameof(KnnMode.Exact), nameof(KnnMode.Approximate), nameof(KnnMode.SqliteVec), StatsResponse.GarnetSearch)] string ActiveSearch,
    int ExactSearchMaxVectors,
    ImageFinder.Index.IndexStatus Index,
    bool WritesEnabled)
{
    /// <summary>The <see cref="ActiveSearch"/> when the Garnet cluster's vector sets answer.</summary>
    public const string GarnetSearch = "Garnet";
}
