namespace ImageFinder.Download;

/// <summary>A URL the job could not download: why, and after how many requests (0: refused without one).</summary>
public sealed record DownloadFailure(string Url, string Reason, int Attempts);
