namespace ImageFinder.Download;

/// <summary>Running counts of a download job, reported after every URL.</summary>
/// <param name="Total">URLs in the plan.</param>
/// <param name="Downloaded">Files fetched and saved so far.</param>
/// <param name="Skipped">Files already present.</param>
/// <param name="Failed">URLs that failed so far.</param>
/// <param name="Bytes">Bytes of the files downloaded so far in this run.</param>
/// <param name="NewFailure">The failure this report is about, if any.</param>
public sealed record DownloadProgress(int Total, int Downloaded, int Skipped, int Failed, long Bytes, DownloadFailure? NewFailure = null)
{
    public int Done => Downloaded + Skipped + Failed;
}
