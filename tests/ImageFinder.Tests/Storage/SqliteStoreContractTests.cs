using ImageFinder.Storage;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Storage;

/// <summary>The store contract against the embedded SQLite store: a new database file in a temp folder for every collection.</summary>
public sealed class SqliteStoreContractTests : StoreContract
{
    private readonly TempFolder temp = new();

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        temp.Dispose();
    }

    protected override Task<IImageStore> OpenAsync(CollectionInfo expected) =>
        Task.FromResult<IImageStore>(VectorStore.Open(temp.Combine($"{Guid.NewGuid():N}.db"), expected));

    protected override Task<IImageStore> ReopenAsync(IImageStore current, CollectionInfo expected)
    {
        var path = ((VectorStore)current).Path;
        current.Dispose();
        return Task.FromResult<IImageStore>(VectorStore.Open(path, expected));
    }
}
