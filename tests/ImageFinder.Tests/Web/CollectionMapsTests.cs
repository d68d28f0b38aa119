using ImageFinder.Api.Map;
using ImageFinder.Mapping;
using ImageFinder.Storage;
using ImageFinder.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace ImageFinder.Tests.Web;

public sealed class CollectionMapsTests : IDisposable
{
    private readonly TempFolder temp = new();

    [Fact]
    public async Task A_failed_computation_answers_failed_without_the_error_text()
    {
        var path = temp.Combine("v.db");
        using var store = VectorStore.Open(path, new CollectionInfo("m", 3));
        await store.WriteBatchAsync([.. Enumerable.Range(0, 4).Select(i => new ImageRecord($"s{i}", $"h{i}", 1, DateTimeOffset.UnixEpoch, 1, 1, [i, 1, -i]))]);

        // The images table disappears under the store: the map's read fails with SQLite's own message.
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "alter table images rename to gone";
            command.ExecuteNonQuery();
        }

        using var maps = new CollectionMaps(NullLogger<CollectionMaps>.Instance, TimeSpan.FromMinutes(1));
        var lookup = await maps.GetAsync(store, MapMethod.Pca, 2, CancellationToken.None);

        Assert.True(lookup.Failed);
        Assert.Null(lookup.Map);
        Assert.False(lookup.Computing);
        // The record has no place for a message at all: nothing a native library said can reach a response.
        Assert.Equal(["Map", "Failed"], typeof(MapLookup).GetConstructors().Single().GetParameters().Select(p => p.Name));
    }

    public void Dispose() => temp.Dispose();
}
