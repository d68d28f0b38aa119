using System.Globalization;

namespace ImageFinder.Api.Search;

/// <summary>
/// The <c>Server-Timing</c> header of a search answer (W3C Server Timing; browsers' developer tools show it):
/// where the server spent the request, in milliseconds.
/// </summary>
public static class ServerTiming
{
    public const string HeaderName = "Server-Timing";

    /// <summary>E.g. <c>decode;dur=5.21, inference;dur=40.02, knn;dur=6.13</c>.</summary>
    public static string Format(TimeSpan decode, TimeSpan inference, TimeSpan knn) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"decode;dur={decode.TotalMilliseconds:F2}, inference;dur={inference.TotalMilliseconds:F2}, knn;dur={knn.TotalMilliseconds:F2}");

    /// <summary>The durations by name, from a header written by <see cref="Format"/> (or any Server-Timing header).</summary>
    public static IReadOnlyDictionary<string, double> Parse(string header)
    {
        var durations = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase);
        foreach (var metric in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = metric.Split(';', StringSplitOptions.TrimEntries);
            foreach (var parameter in parts.Skip(1))
            {
                if (parameter.StartsWith("dur=", StringComparison.OrdinalIgnoreCase)
                    && double.TryParse(parameter.AsSpan(4), NumberStyles.Float, CultureInfo.InvariantCulture, out var duration))
                {
                    durations[parts[0]] = duration;
                }
            }
        }

        return durations;
    }
}
