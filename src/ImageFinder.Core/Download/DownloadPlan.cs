namespace ImageFinder.Download;

/// <summary>Every row of a manifest with its final location, in CSV order, and how many duplicate rows were dropped.</summary>
/// <param name="Items">The rows to download (or to report as unusable), in CSV order.</param>
/// <param name="Duplicates">Rows with the same URL and label as an earlier row; the earlier row is the one downloaded.</param>
public sealed record DownloadPlan(IReadOnlyList<PlannedDownload> Items, int Duplicates);
