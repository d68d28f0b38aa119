using ImageFinder.Configuration;
using ImageFinder.Storage;
using ImageFinder.Storage.Garnet;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Storage;

/// <summary>The store contract against the Garnet store, on one in-process Garnet server: a new key prefix for every collection, 4 shards.</summary>
public sealed class GarnetStoreContractTests(GarnetServerFixture server) : StoreContract, IClassFixture<GarnetServerFixture>
{
    private readonly Dictionary<IImageStore, GarnetOptions> prefixes = [];

    protected override async Task<IImageStore> OpenAsync(CollectionInfo expected)
    {
        var options = new GarnetOptions { Endpoints = server.Garnet.Endpoint, Prefix = "c" + Guid.NewGuid().ToString("N"), Shards = 4 };
        var store = await GarnetStore.OpenAsync(options, expected);
        prefixes[store] = options;
        return store;
    }

    protected override async Task<IImageStore> ReopenAsync(IImageStore current, CollectionInfo expected)
    {
        var options = prefixes[current];
        current.Dispose();
        var store = await GarnetStore.OpenAsync(options, expected);
        prefixes[store] = options;
        return store;
    }
}

/// <summary>One in-process Garnet server for a test class.</summary>
public sealed class GarnetServerFixture : IDisposable
{
    public InProcessGarnet Garnet { get; } = InProcessGarnet.Start();

    public void Dispose() => Garnet.Dispose();
}
