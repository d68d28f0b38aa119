using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ImageFinder.Diagnostics;

namespace ImageFinder.Inference;

/// <summary>
/// The inference instruments of <see cref="ImageFinderMeter"/>: how many images each ONNX Runtime run held, how long
/// it took, and how many requests are waiting in the <see cref="InferenceQueue"/>s of this process (one per loaded model).
/// </summary>
public static class InferenceMetrics
{
    public const string BatchSizeName = "imagefinder.inference.batch.size";
    public const string DurationName = "imagefinder.inference.duration";
    public const string QueueDepthName = "imagefinder.inference.queue.depth";

    private static readonly ConcurrentDictionary<InferenceQueue, byte> Queues = new();

    private static readonly Histogram<int> BatchSize = ImageFinderMeter.Meter.CreateHistogram(
        BatchSizeName,
        unit: "{image}",
        description: "Images in one ONNX Runtime run (concurrent requests batched together).",
        tags: null,
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128] });

    private static readonly Histogram<double> Duration = ImageFinderMeter.DurationHistogram(
        DurationName, "Time of one ONNX Runtime run, for the whole batch.");

    static InferenceMetrics() => ImageFinderMeter.Meter.CreateObservableGauge(
        QueueDepthName,
        () => Queues.Keys.Sum(queue => (long)queue.Pending),
        unit: "{request}",
        description: "Requests waiting for an ONNX Runtime run (preprocessed, not yet in a batch).");

    /// <summary>One run of <paramref name="images"/> images that took <paramref name="seconds"/>.</summary>
    internal static void Run(int images, double seconds)
    {
        BatchSize.Record(images);
        Duration.Record(seconds);
    }

    /// <summary>Counts <paramref name="queue"/>'s waiting requests in the queue-depth gauge until <see cref="Forget"/>.</summary>
    internal static void Observe(InferenceQueue queue) => Queues.TryAdd(queue, 0);

    internal static void Forget(InferenceQueue queue) => Queues.TryRemove(queue, out _);
}
