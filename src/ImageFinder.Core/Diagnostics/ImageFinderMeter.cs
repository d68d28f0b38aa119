using System.Diagnostics.Metrics;

namespace ImageFinder.Diagnostics;

/// <summary>
/// The one <see cref="Meter"/> of ImageFinder's own measurements (inference, decode, KNN, the collection, ingestion),
/// listened to by the API's <c>/metrics</c> and by any .NET metrics tool (<c>dotnet-counters monitor --counters ImageFinder</c>
/// shows a CLI job's rates live). Each layer defines its instruments in one place (<c>InferenceMetrics</c>,
/// <c>DecodeMetrics</c>, <c>KnnMetrics</c>, <c>CollectionMetrics</c>, <c>IngestMetrics</c>); without a listener they cost
/// next to nothing.
/// </summary>
public static class ImageFinderMeter
{
    /// <summary>The meter's name, which a metrics pipeline subscribes to.</summary>
    public const string Name = "ImageFinder";

    /// <summary>
    /// Bucket bounds of the duration histograms, in seconds: 0.1 ms to 10 s, so a sub-millisecond KNN query over a small
    /// collection, a decode of a few milliseconds and a batch of ResNet-50 runs each fall in buckets of their own.
    /// </summary>
    internal static readonly IReadOnlyList<double> DurationBuckets =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    internal static Meter Meter { get; } = new(Name);

    /// <summary>A histogram of durations in seconds with <see cref="DurationBuckets"/>.</summary>
    internal static Histogram<double> DurationHistogram(string name, string description) =>
        Meter.CreateHistogram(name, unit: "s", description: description, tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
}
