namespace ImageFinder.Download;

/// <summary>The outcome of fetching one URL into a temporary file.</summary>
/// <param name="Extension">The file extension the verified bytes call for (".jpg", ".png", ...); null on failure.</param>
/// <param name="Bytes">Bytes written to the temporary file; 0 on failure.</param>
/// <param name="Attempts">Requests made (retries included); 0 when the URL was refused without one.</param>
/// <param name="Failure">Why it failed; null on success.</param>
public sealed record DownloadResult(string? Extension, long Bytes, int Attempts, string? Failure)
{
    public bool Succeeded => Failure is null;

    public static DownloadResult Success(string extension, long bytes, int attempts) => new(extension, bytes, attempts, null);

    public static DownloadResult Failed(string reason, int attempts) => new(null, 0, attempts, reason);
}
