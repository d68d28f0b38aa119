using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ImageFinder.Diagnostics;

namespace ImageFinder.Storage;

/// <summary>
/// The collection instrument of <see cref="ImageFinderMeter"/>: images in each open collection, tagged with its store
/// kind (<c>sqlite</c> or <c>garnet</c>). The gauge reports what <see cref="CollectionSize"/> last read and never waits
/// for the store, which may be a Garnet cluster across the network.
/// </summary>
public static class CollectionMetrics
{
    public const string ImagesName = "imagefinder.collection.images";

    /// <summary>The tag that names the store.</summary>
    public const string StoreTag = "store";

    private static readonly ConcurrentDictionary<CollectionSize, byte> Sizes = new();

    static CollectionMetrics() => ImageFinderMeter.Meter.CreateObservableGauge(
        ImagesName,
        Observe,
        unit: "{image}",
        description: "Images in the collection, as last counted (at most 15 s old while scraped).");

    /// <summary>The sizes the gauge reports now.</summary>
    internal static ICollection<CollectionSize> Tracked => Sizes.Keys;

    internal static void Track(CollectionSize size) => Sizes.TryAdd(size, 0);

    internal static void Forget(CollectionSize size) => Sizes.TryRemove(size, out _);

    private static IEnumerable<Measurement<long>> Observe()
    {
        foreach (var size in Sizes.Keys)
        {
            if (size.Observe() is { } images)
            {
                yield return new Measurement<long>(images, new KeyValuePair<string, object?>(StoreTag, size.StoreKind));
            }
        }
    }
}
