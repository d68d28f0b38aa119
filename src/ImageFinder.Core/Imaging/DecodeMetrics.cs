using System.Diagnostics.Metrics;
using ImageFinder.Diagnostics;

namespace ImageFinder.Imaging;

/// <summary>
/// The decode instrument of <see cref="ImageFinderMeter"/>: how long <see cref="ImagePreprocessor.Prepare"/> took to turn
/// encoded bytes into a model input, by outcome (<c>ok</c>, or why it failed), so slow or hostile uploads show.
/// </summary>
public static class DecodeMetrics
{
    public const string DurationName = "imagefinder.decode.duration";

    /// <summary>The tag that says how a decode ended.</summary>
    public const string OutcomeTag = "outcome";

    private static readonly Histogram<double> Duration = ImageFinderMeter.DurationHistogram(
        DurationName, "Time to decode and preprocess one image (header check, shrink-on-load, sRGB, resize, crop, normalise).");

    /// <summary>One decode that took <paramref name="seconds"/>; <paramref name="failure"/> is null when it succeeded.</summary>
    internal static void Decoded(double seconds, ImageDecodeFailure? failure)
    {
        if (Duration.Enabled)
        {
            Duration.Record(seconds, new KeyValuePair<string, object?>(OutcomeTag, Outcome(failure)));
        }
    }

    /// <summary>The tag's value: a fixed, small set, so the series stay few.</summary>
    internal static string Outcome(ImageDecodeFailure? failure) => failure switch
    {
        null => "ok",
        ImageDecodeFailure.Empty => "empty",
        ImageDecodeFailure.UnsupportedFormat => "unsupported_format",
        ImageDecodeFailure.Corrupt => "corrupt",
        ImageDecodeFailure.TooManyPixels => "too_many_pixels",
        _ => "internal",
    };
}
