namespace ImageFinder.Download;

/// <summary>Thread-safe counters of one download job, reporting progress after every URL.</summary>
internal sealed class DownloadTally
{
    private readonly int total;
    private readonly IProgress<DownloadProgress>? progress;
    private readonly List<(int Index, DownloadFailure Failure)> failures = [];
    private readonly List<(int Index, string Path)> files = [];
    private readonly Lock gate = new();
    private int downloaded;
    private int skipped;
    private long bytes;

    public DownloadTally(int total, IProgress<DownloadProgress>? progress)
    {
        this.total = total;
        this.progress = progress;
    }

    public void Downloaded(int index, string path, long size) => Count(null, () =>
    {
        downloaded++;
        bytes += size;
        files.Add((index, path));
    });

    public void Skipped(int index, string path) => Count(null, () =>
    {
        skipped++;
        files.Add((index, path));
    });

    public void Failed(int index, DownloadFailure failure) => Count(failure, () => failures.Add((index, failure)));

    public DownloadSummary Summary(TimeSpan elapsed, int duplicates, string? failureReport)
    {
        lock (gate)
        {
            return new DownloadSummary(
                downloaded,
                skipped,
                failures.OrderBy(f => f.Index).Select(f => f.Failure).ToList(),
                bytes,
                elapsed,
                files.OrderBy(f => f.Index).Select(f => f.Path).ToList(),
                duplicates,
                failureReport);
        }
    }

    public IReadOnlyList<DownloadFailure> Failures()
    {
        lock (gate)
        {
            return failures.OrderBy(f => f.Index).Select(f => f.Failure).ToList();
        }
    }

    private void Count(DownloadFailure? failure, Action change)
    {
        DownloadProgress snapshot;
        lock (gate)
        {
            change();
            snapshot = new DownloadProgress(total, downloaded, skipped, failures.Count, bytes, failure);
        }

        progress?.Report(snapshot);
    }
}
