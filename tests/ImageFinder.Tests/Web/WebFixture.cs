using System.Net;
using ImageFinder.Inference;
using ImageFinder.Ingestion;
using ImageFinder.Storage;
using ImageFinder.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ImageFinder.Tests.Web;

/// <summary>
/// A collection in three folders (alpha, beta, gamma; the folder is each image's label), ingested by the real
/// job and served by the real API host on Kestrel on loopback (so a real browser can load the page), plus a
/// second loopback server that serves the same image files by URL.
/// </summary>
public sealed class WebFixture : IAsyncLifetime
{
    public const string Name = "web";
    public const int PerFolder = 6;
    public static readonly string[] Folders = ["alpha", "beta", "gamma"];

    private readonly TempFolder temp = new();
    private WebApplication? files;

    public IReadOnlyList<string> Paths { get; private set; } = [];

    public string Database => temp.Combine("web.db");

    public ApiFactory Factory { get; private set; } = null!;

    /// <summary>Like <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    /// <summary>Like <c>http://127.0.0.1:41235/</c>: <c>/files/{folder}/{name}</c> serves the collection's files.</summary>
    public Uri FilesUrl { get; private set; } = null!;

    public int Count => Paths.Count;

    /// <summary>The id of each image, by path.</summary>
    public IReadOnlyDictionary<string, long> Ids { get; private set; } = new Dictionary<string, long>();

    /// <summary>Where screenshots go: $TEST_ARTIFACTS, else artifacts/ next to the test binaries.</summary>
    public static string Artifacts { get; } = Environment.GetEnvironmentVariable("TEST_ARTIFACTS") is { Length: > 0 } configured
        ? Path.GetFullPath(configured)
        : Path.Combine(AppContext.BaseDirectory, "artifacts");

    public async Task InitializeAsync()
    {
        var paths = new List<string>();
        for (var f = 0; f < Folders.Length; f++)
        {
            paths.AddRange(TestImages.WriteCollection(temp.Combine("images", Folders[f]), PerFolder, firstPattern: f * PerFolder));
        }

        Paths = paths;
        using (var embedder = OnnxImageEmbedder.Load(TestModel.Options()))
        using (var store = VectorStore.Open(Database, new CollectionInfo(embedder.Model.Name, embedder.Model.Dimension)))
        {
            var summary = await new IngestJob(embedder, store).RunAsync(temp.Combine("images"));
            if (summary.Added != Paths.Count)
            {
                throw new InvalidOperationException($"Fixture ingest added {summary.Added} images.");
            }

            var fingerprints = store.LoadFingerprints();
            Ids = Paths.ToDictionary(p => p, p => fingerprints[p].Id);
        }

        Factory = new ApiFactory(Database, new Dictionary<string, string?> { ["ImageFinder:AllowPrivateUrls"] = "true" });
        Factory.UseKestrel(0);
        Factory.StartServer();
        var address = Factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseUrl = new Uri($"http://127.0.0.1:{new Uri(address).Port}/");
        Client = new HttpClient { BaseAddress = BaseUrl };
        await WaitUntilReadyAsync();
        await StartFileServerAsync();
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (Factory is not null)
        {
            await Factory.DisposeAsync();
        }

        if (files is not null)
        {
            await files.StopAsync();
            await files.DisposeAsync();
        }

        temp.Dispose();
    }

    private async Task WaitUntilReadyAsync()
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            var response = await Client.GetAsync("health");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("The API did not become ready.");
    }

    private async Task StartFileServerAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        files = builder.Build();
        var root = temp.Combine("images");
        files.MapGet("/files/{folder}/{name}", (string folder, string name) =>
        {
            var path = Path.Combine(root, Path.GetFileName(folder), Path.GetFileName(name));
            var type = Path.GetExtension(path) switch { ".png" => "image/png", ".jpg" => "image/jpeg", _ => "image/webp" };
            return File.Exists(path) ? Results.File(path, type) : Results.NotFound();
        });
        await files.StartAsync();
        FilesUrl = new Uri(files.Urls.First().TrimEnd('/') + "/");
    }
}
