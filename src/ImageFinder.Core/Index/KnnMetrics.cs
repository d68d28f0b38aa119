using System.Diagnostics.Metrics;
using ImageFinder.Diagnostics;

namespace ImageFinder.Index;

/// <summary>
/// The KNN instrument of <see cref="ImageFinderMeter"/>: how long one nearest-neighbour query took, by the way it was
/// answered (<see cref="ModeTag"/>): <c>exact</c> or <c>approximate</c> (the in-memory index), <c>sqlite_vec</c> (sqlite-vec's
/// scan, also while no index is ready), or <c>garnet</c> (the cluster's own vector sets).
/// </summary>
public static class KnnMetrics
{
    public const string DurationName = "imagefinder.knn.duration";

    /// <summary>The tag that says how a query was answered.</summary>
    public const string ModeTag = "knn.mode";

    /// <summary>The <see cref="ModeTag"/> of queries a store answers with its own index.</summary>
    public const string StoreIndexMode = "garnet";

    private static readonly Histogram<double> Duration = ImageFinderMeter.DurationHistogram(
        DurationName, "Time of one KNN query over the collection, by how it was answered.");

    /// <summary>One query answered in <paramref name="mode"/> (null: by the store's own index) that took <paramref name="seconds"/>.</summary>
    internal static void Searched(KnnMode? mode, double seconds)
    {
        if (Duration.Enabled)
        {
            Duration.Record(seconds, new KeyValuePair<string, object?>(ModeTag, Mode(mode)));
        }
    }

    /// <summary>The tag's value for <paramref name="mode"/>.</summary>
    internal static string Mode(KnnMode? mode) => mode switch
    {
        KnnMode.Exact => "exact",
        KnnMode.Approximate => "approximate",
        KnnMode.SqliteVec => "sqlite_vec",
        _ => StoreIndexMode,
    };
}
