using System.Diagnostics.Metrics;
using ImageFinder.Diagnostics;

namespace ImageFinder.Ingestion;

/// <summary>
/// The ingestion instrument of <see cref="ImageFinderMeter"/>: images taken in, by <see cref="OutcomeTag"/>
/// (<c>added</c>, <c>updated</c>, <c>unchanged</c>, <c>failed</c>), from folder jobs (<see cref="IngestJob"/>) and from
/// uploads (<see cref="UploadedImages"/>). Its rate is images/s; the jobs also print both in their summary line.
/// </summary>
public static class IngestMetrics
{
    public const string ImagesName = "imagefinder.ingest.images";

    /// <summary>The tag that says what became of an image.</summary>
    public const string OutcomeTag = "outcome";

    private static readonly Counter<long> Images = ImageFinderMeter.Meter.CreateCounter<long>(
        ImagesName, unit: "{image}", description: "Images ingested (folder jobs and uploads), by outcome.");

    internal static void Added() => Count("added");

    internal static void Updated() => Count("updated");

    internal static void Unchanged() => Count("unchanged");

    internal static void Failed() => Count("failed");

    private static void Count(string outcome) => Images.Add(1, new KeyValuePair<string, object?>(OutcomeTag, outcome));
}
