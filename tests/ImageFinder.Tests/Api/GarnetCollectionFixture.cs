using ImageFinder.Configuration;
using ImageFinder.Storage;
using ImageFinder.Storage.Garnet;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Api;

/// <summary>The same collection as <see cref="CollectionFixture"/>, kept on a Garnet server (in-process) and served by an API with <c>ImageFinder:Store=garnet</c>.</summary>
public class GarnetCollectionFixture : CollectionFixture
{
    private InProcessGarnet? garnet;

    public InProcessGarnet Garnet => garnet ??= InProcessGarnet.Start();

    public GarnetOptions GarnetOptions => new() { Endpoints = Garnet.Endpoint, Prefix = "api-tests", Shards = 4 };

    public override string StoreKind => "garnet";

    protected override IReadOnlyDictionary<string, string?> StoreSettings => new Dictionary<string, string?>
    {
        ["ImageFinder:Store"] = "garnet",
        ["ImageFinder:Garnet:Endpoints"] = Garnet.Endpoint,
        ["ImageFinder:Garnet:Prefix"] = GarnetOptions.Prefix,
        ["ImageFinder:Garnet:Shards"] = "4",
    };

    protected override async Task<IImageStore> OpenStoreAsync(CollectionInfo collection) => await GarnetStore.OpenAsync(GarnetOptions, collection);

    protected override void DisposeStore() => garnet?.Dispose();
}

/// <summary><see cref="GarnetCollectionFixture"/> with an API key, so POST and DELETE /images work.</summary>
public sealed class KeyedGarnetCollectionFixture : GarnetCollectionFixture
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["ImageFinder:ApiKey"] = KeyedCollectionFixture.Key,
        ["ImageFinder:UploadsFolder"] = Uploads,
    };
}
