using System.ComponentModel.DataAnnotations;
using ImageFinder.Index;
using ImageFinder.Inference;
using ImageFinder.Storage;

namespace ImageFinder.Configuration;

/// <summary>The <c>ImageFinder</c> configuration section, shared by the API and the CLI.</summary>
public sealed class ImageFinderOptions
{
    public const string SectionName = "ImageFinder";

    /// <summary>Where the collection is kept: <c>sqlite</c> (the <see cref="Database"/> file, the default) or <c>garnet</c> (a cluster, see <see cref="Garnet"/>).</summary>
    public string Store { get; set; } = StoreKinds.Sqlite;

    /// <summary>The cluster and collection when <see cref="Store"/> is <c>garnet</c>.</summary>
    public GarnetOptions Garnet { get; set; } = new();

    /// <summary>Whether <see cref="Store"/> says garnet.</summary>
    public bool UsesGarnet => string.Equals(Store, StoreKinds.Garnet, StringComparison.OrdinalIgnoreCase);

    /// <summary>SQLite database file; created when missing. With the garnet store it only places uploads (beside it) and nothing else.</summary>
    [Required(ErrorMessage = "ImageFinder:Database must be set.")]
    public string Database { get; set; } = "data/imagefinder.db";

    /// <summary>ONNX model file; its card is the .json beside it.</summary>
    [Required(ErrorMessage = "ImageFinder:ModelPath must be set.")]
    public string ModelPath { get; set; } = "models/resnet50.onnx";

    /// <summary>ONNX Runtime intra-op threads.</summary>
    [Range(1, 1024, ErrorMessage = "ImageFinder:IntraOpThreads must be from 1 to 1024.")]
    public int IntraOpThreads { get; set; } = Environment.ProcessorCount;

    /// <summary>ONNX Runtime sessions running batches side by side, each with <see cref="IntraOpThreads"/> threads (see <see cref="EmbedderOptions.Sessions"/>).</summary>
    [Range(1, 64, ErrorMessage = "ImageFinder:InferenceSessions must be from 1 to 64.")]
    public int InferenceSessions { get; set; } = 1;

    /// <summary>Most images in one inference run (concurrent requests are batched up to this).</summary>
    [Range(1, 256, ErrorMessage = "ImageFinder:MaxBatchSize must be from 1 to 256.")]
    public int MaxBatchSize { get; set; } = 8;

    /// <summary>Most preprocessed images waiting for inference; requests waiting for a decode slot count too. Beyond it: busy (503).</summary>
    [Range(1, 100_000, ErrorMessage = "ImageFinder:InferenceQueueCapacity must be from 1 to 100000.")]
    public int InferenceQueueCapacity { get; set; } = 64;

    /// <summary>Largest accepted upload in bytes.</summary>
    [Range(1, long.MaxValue, ErrorMessage = "ImageFinder:MaxUploadBytes must be 1 or more.")]
    public long MaxUploadBytes { get; set; } = 20L * 1024 * 1024;

    /// <summary>Most files in one <c>POST /search/batch</c>; a batch must fit the inference queue (<see cref="InferenceQueueCapacity"/>).</summary>
    [Range(1, 1024, ErrorMessage = "ImageFinder:MaxBatchFiles must be from 1 to 1024.")]
    public int MaxBatchFiles { get; set; } = 32;

    /// <summary>
    /// Largest <c>POST /search/batch</c> body in bytes, all its files together (each one is also held to <see cref="MaxUploadBytes"/>).
    /// The files are read into memory before they are decoded, so this bounds what one batch request holds.
    /// </summary>
    [Range(1, long.MaxValue, ErrorMessage = "ImageFinder:MaxBatchUploadBytes must be 1 or more.")]
    public long MaxBatchUploadBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Largest accepted width × height, checked from the image header before decoding.</summary>
    [Range(1, long.MaxValue, ErrorMessage = "ImageFinder:MaxImagePixels must be 1 or more.")]
    public long MaxImagePixels { get; set; } = 100_000_000;

    /// <summary>Results returned when a search does not say <c>k</c>.</summary>
    [Range(1, 10_000, ErrorMessage = "ImageFinder:DefaultK must be from 1 to 10000.")]
    public int DefaultK { get; set; } = 3;

    /// <summary>Largest <c>k</c> a search may ask for.</summary>
    [Range(1, 10_000, ErrorMessage = "ImageFinder:MaxK must be from 1 to 10000.")]
    public int MaxK { get; set; } = 100;

    /// <summary>KNN mode: Auto (exact up to <see cref="ExactSearchMaxVectors"/>, then approximate), Exact, Approximate or SqliteVec.</summary>
    public KnnMode SearchMode { get; set; } = KnnMode.Auto;

    /// <summary>In Auto mode, collections up to this many images are searched exactly.</summary>
    [Range(0, int.MaxValue, ErrorMessage = "ImageFinder:ExactSearchMaxVectors must be 0 or more.")]
    public int ExactSearchMaxVectors { get; set; } = 20_000;

    /// <summary>Cells of the approximate index (inverted file); 0 chooses about √N when it is trained.</summary>
    [Range(0, 65_536, ErrorMessage = "ImageFinder:IndexCells must be from 0 (automatic) to 65536.")]
    public int IndexCells { get; set; }

    /// <summary>Cells an approximate search scans.</summary>
    [Range(1, 65_536, ErrorMessage = "ImageFinder:IndexProbes must be from 1 to 65536.")]
    public int IndexProbes { get; set; } = 8;

    /// <summary>Most candidates an approximate search re-ranks by the exact metric on the float vectors.</summary>
    [Range(1, 100_000, ErrorMessage = "ImageFinder:RerankCandidates must be from 1 to 100000.")]
    public int RerankCandidates { get; set; } = 32;

    /// <summary>Most candidates an exact search re-ranks (at least 2k); 0: every candidate its bounds leave, provably sqlite-vec's answer.</summary>
    [Range(0, 1_000_000, ErrorMessage = "ImageFinder:ExactRerankCandidates must be from 0 (no cap) to 1000000.")]
    public int ExactRerankCandidates { get; set; } = 64;

    /// <summary>Keep the trained index in &lt;database&gt;.index, so a restart loads it instead of rebuilding it.</summary>
    public bool PersistIndex { get; set; } = true;

    /// <summary>
    /// Distance metric of a new database: l2 (default), cosine or l1. It is stored with the database when it is created;
    /// an existing database always keeps its own, and a different setting here is reported as a warning (see <see cref="MetricConflict"/>).
    /// </summary>
    public string? Metric { get; set; }

    /// <summary>The warning to give when <see cref="Metric"/> was set explicitly and the database uses <paramref name="stored"/>; null when they agree.</summary>
    public string? MetricConflict(string stored, string setting = "ImageFinder:Metric") =>
        Metric is not null && CollectionInfo.ParseMetric(Metric) != stored
            ? $"{setting} '{Metric}' is ignored: the database '{Path.GetFullPath(Database)}' was created with the '{stored}' metric, and a database keeps the metric it was created with. Searches use '{stored}'. Use a new database file for another metric."
            : null;

    public KnnOptions ToKnnOptions() => new()
    {
        Mode = SearchMode,
        ExactMaxVectors = ExactSearchMaxVectors,
        Cells = IndexCells,
        Probes = IndexProbes,
        RerankCandidates = RerankCandidates,
        ExactRerankCandidates = ExactRerankCandidates,
        PersistIndex = PersistIndex,
    };

    public EmbedderOptions ToEmbedderOptions() => new()
    {
        ModelPath = Path.GetFullPath(ModelPath),
        IntraOpThreads = IntraOpThreads,
        Sessions = InferenceSessions,
        MaxBatchSize = MaxBatchSize,
        QueueCapacity = InferenceQueueCapacity,
        MaxImagePixels = MaxImagePixels,
    };
}
