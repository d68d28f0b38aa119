using System.Globalization;
using ImageFinder.Download;

namespace ImageFinder.Cli.Console;

/// <summary>How the download job's progress is shown (see <see cref="ProgressView"/>): counts, bytes and rate.</summary>
internal static class DownloadProgressView
{
    private static readonly ProgressView.Format<DownloadProgress> Format = new(
        "download",
        p => (p.Done, p.Total),
        (p, elapsed) => $"↓{p.Downloaded} ={p.Skipped} !{p.Failed} {Megabytes(p.Bytes)} MB {Rate(p.Bytes, elapsed)} MB/s",
        (p, elapsed) =>
            $"{p.Done}/{p.Total} ({p.Downloaded} downloaded, {p.Skipped} skipped, {p.Failed} failed, " +
            $"{p.Bytes} bytes, {Rate(p.Bytes, elapsed)} MB/s)",
        p => p.NewFailure is { } failure ? $"{Printable.Text(failure.Url)}: {Printable.Text(failure.Reason)}" : null);

    public static Task<DownloadSummary> RunAsync(TextWriter output, Func<IProgress<DownloadProgress>, Task<DownloadSummary>> job) =>
        ProgressView.RunAsync(output, Format, job);

    /// <summary>Bytes in MB with one decimal.</summary>
    public static string Megabytes(long bytes) => (bytes / 1_000_000.0).ToString("F1", CultureInfo.InvariantCulture);

    private static string Rate(long bytes, TimeSpan elapsed) =>
        (elapsed.TotalSeconds > 0 ? bytes / 1_000_000.0 / elapsed.TotalSeconds : 0).ToString("F2", CultureInfo.InvariantCulture);
}
