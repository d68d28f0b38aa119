using ImageFinder.Inference;
using ImageFinder.Ingestion;
using ImageFinder.Storage;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Api;

/// <summary>A generated collection ingested by the real ingest job, served by the real API host (over SQLite unless a subclass says otherwise).</summary>
public class CollectionFixture : IAsyncLifetime
{
    public const int ImageCount = 16;

    private readonly TempFolder temp = new();

    public IReadOnlyList<string> Paths { get; private set; } = [];

    public string Database => temp.Combine("collection.db");

    public ApiFactory Factory { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public TempFolder Temp => temp;

    /// <summary>Where a keyed host keeps uploaded images.</summary>
    public string Uploads => temp.Combine("uploads");

    /// <summary>Settings on top of the defaults, for fixtures of hosts configured otherwise.</summary>
    protected virtual IReadOnlyDictionary<string, string?> ExtraSettings { get; } = new Dictionary<string, string?>();

    /// <summary>What /stats and /health say the store is.</summary>
    public virtual string StoreKind => "sqlite";

    /// <summary>The store's own settings (none for the default SQLite file).</summary>
    protected virtual IReadOnlyDictionary<string, string?> StoreSettings { get; } = new Dictionary<string, string?>();

    /// <summary>The store the API will serve, opened for the fixture's ingest.</summary>
    protected virtual Task<IImageStore> OpenStoreAsync(CollectionInfo collection) => Task.FromResult<IImageStore>(VectorStore.Open(Database, collection));

    /// <summary>Stops what the store needs (a server); runs after the API host is gone.</summary>
    protected virtual void DisposeStore()
    {
    }

    /// <summary>Writes the collection's images under <paramref name="folder"/> (<see cref="ImageCount"/> of them) and returns their paths.</summary>
    protected virtual IReadOnlyList<string> WriteImages(string folder) => TestImages.WriteCollection(folder, ImageCount);

    public async Task InitializeAsync()
    {
        Paths = WriteImages(temp.Combine("images"));
        using (var embedder = OnnxImageEmbedder.Load(TestModel.Options()))
        using (var store = await OpenStoreAsync(new CollectionInfo(embedder.Model.Name, embedder.Model.Dimension)))
        {
            var summary = await new IngestJob(embedder, store).RunAsync(temp.Combine("images"));
            if (summary.Added != ImageCount)
            {
                throw new InvalidOperationException($"Fixture ingest added {summary.Added} images.");
            }
        }

        var settings = new Dictionary<string, string?> { ["ImageFinder:MaxUploadBytes"] = (1024 * 1024).ToString() };
        foreach (var (key, value) in StoreSettings.Concat(ExtraSettings))
        {
            settings[key] = value;
        }

        Factory = new ApiFactory(Database, settings);
        Client = await Factory.CreateReadyClientAsync();
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (Factory is not null)
        {
            await Factory.DisposeAsync();
        }

        DisposeStore();
        temp.Dispose();
    }
}
