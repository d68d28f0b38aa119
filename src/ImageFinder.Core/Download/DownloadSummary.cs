namespace ImageFinder.Download;

/// <summary>What a download job did.</summary>
/// <param name="Downloaded">Files fetched, verified and saved in this run.</param>
/// <param name="Skipped">Files already present under their final name (from an earlier run).</param>
/// <param name="Failures">URLs that failed, in CSV order.</param>
/// <param name="Bytes">Bytes downloaded in this run.</param>
/// <param name="Elapsed">How long the job took.</param>
/// <param name="Files">Absolute paths of every file downloaded or already present, in CSV order: the job's images.</param>
/// <param name="Duplicates">CSV rows dropped because an earlier row has the same URL and label.</param>
/// <param name="FailureReport">The failures.csv written in the output folder; null when nothing failed.</param>
public sealed record DownloadSummary(
    int Downloaded,
    int Skipped,
    IReadOnlyList<DownloadFailure> Failures,
    long Bytes,
    TimeSpan Elapsed,
    IReadOnlyList<string> Files,
    int Duplicates,
    string? FailureReport)
{
    public int Failed => Failures.Count;
}
