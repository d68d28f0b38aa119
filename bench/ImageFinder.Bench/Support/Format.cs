using System.Globalization;

namespace ImageFinder.Bench.Support;

/// <summary>How numbers appear in RESULTS.md: invariant culture, fixed decimals per kind.</summary>
internal static class Format
{
    public static string Ms(double milliseconds) => milliseconds.ToString(milliseconds < 10 ? "F2" : "F1", CultureInfo.InvariantCulture);

    public static string Rate(double perSecond) => perSecond.ToString(perSecond < 100 ? "F2" : "F0", CultureInfo.InvariantCulture);

    public static string Ratio(double ratio) => ratio.ToString("F2", CultureInfo.InvariantCulture);

    public static string Count(long count) => count.ToString("N0", CultureInfo.InvariantCulture);

    public static string MiB(long bytes) => (bytes / 1024.0 / 1024.0).ToString("F0", CultureInfo.InvariantCulture);

    public static string KiB(double bytes) => (bytes / 1024.0).ToString("F0", CultureInfo.InvariantCulture);

    public static string Seconds(TimeSpan elapsed) => Seconds(elapsed.TotalSeconds);

    public static string Seconds(double seconds) => seconds.ToString("F1", CultureInfo.InvariantCulture);

    public static string Size(int width, int height) => $"{width}x{height}";

    public static string Verdict(bool pass) => pass ? "pass" : "**FAIL**";
}
