namespace ImageFinder.Download;

/// <summary>A download that must not be retried: too large, too many redirects, a refused redirect, not an image.</summary>
internal sealed class DownloadRejectedException(string message) : Exception(message);
