using System.Diagnostics.Metrics;
using ImageFinder.Diagnostics;
using ImageFinder.Storage;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Storage;

/// <summary>The count behind the collection gauge: remembered from every count, re-read in the background, never awaited by a scrape.</summary>
public sealed class CollectionSizeTests : IDisposable
{
    private static readonly CollectionInfo Info = new("m", 4, CollectionInfo.L2, new string('a', 64), "m.onnx");
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task A_scrape_before_any_count_reports_nothing_and_starts_one_count_in_the_background()
    {
        using var store = VectorStore.Open(temp.Combine("a.db"), Info);
        await store.WriteBatchAsync([Record(1), Record(2), Record(3)]);
        using var size = new CollectionSize(store);

        Assert.Null(size.Observe());
        var refreshing = Assert.IsType<Task>(size.Refreshing, exactMatch: false);
        await refreshing;

        Assert.Equal(3, size.Last);
        Assert.Equal(3, size.Observe());
        // Fresh: the next scrape reuses the count instead of asking the store again.
        Assert.Same(refreshing, size.Refreshing);
    }

    [Fact]
    public async Task Every_count_updates_what_the_gauge_reports_tagged_with_the_store()
    {
        using var store = VectorStore.Open(temp.Combine("b.db"), Info);
        using var size = new CollectionSize(store);
        await store.WriteBatchAsync([Record(1), Record(2)]);
        Assert.Equal(2, await size.CountAsync());
        await store.WriteBatchAsync([Record(3), Record(4), Record(5), Record(6), Record(7)]);
        Assert.Equal(7, await size.CountAsync());

        var seen = new List<(long Value, string? Store)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument is { Name: CollectionMetrics.ImagesName, Meter.Name: ImageFinderMeter.Name })
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            seen.Add((value, tags.ToArray().Single(tag => tag.Key == CollectionMetrics.StoreTag).Value as string)));
        listener.Start();
        listener.RecordObservableInstruments();

        // Other collections open in this test run report too: ours is among them.
        Assert.Contains((7L, "sqlite"), seen);
    }

    [Fact]
    public async Task A_closed_collection_leaves_the_gauge()
    {
        using var store = VectorStore.Open(temp.Combine("c.db"), Info);
        await store.WriteBatchAsync([Record(11)]);
        var size = new CollectionSize(store);
        await size.CountAsync();
        size.Dispose();

        Assert.Null(size.Refreshing);
        Assert.Equal(1, size.Last);
        Assert.DoesNotContain(size, CollectionMetrics.Tracked);
    }

    private static ImageRecord Record(int i) =>
        new($"/images/{i}.png", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(BitConverter.GetBytes(i))), 100 + i, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000 + i), 8, 8, [i, 0, 1, 2]);
}
