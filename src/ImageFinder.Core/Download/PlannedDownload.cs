namespace ImageFinder.Download;

/// <summary>
/// One download decided before anything is fetched: where the file goes and under which name. The
/// extension is added once the bytes say which format they are.
/// </summary>
/// <param name="Request">The CSV row.</param>
/// <param name="Uri">The parsed URL; null when <paramref name="Problem"/> says why it cannot be fetched.</param>
/// <param name="Problem">Why the row is refused without a request (bad URL, scheme other than http/https); null when it is fine.</param>
/// <param name="Folder">The sanitised label subfolder, relative to the output folder; empty for none.</param>
/// <param name="Stem">The sanitised, collision-free file name without its extension.</param>
public sealed record PlannedDownload(DownloadRequest Request, Uri? Uri, string? Problem, string Folder, string Stem);
