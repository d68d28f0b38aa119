using ImageFinder.Storage;

namespace ImageFinder.Ingestion;

/// <summary>Thread-safe counters of one ingest job, reporting progress after every file (and counting it in <see cref="IngestMetrics"/>).</summary>
internal sealed class IngestTally
{
    private readonly int total;
    private readonly IProgress<IngestProgress>? progress;
    private readonly List<IngestFailure> failures = [];
    private readonly Lock gate = new();
    private int added;
    private int updated;
    private int unchanged;

    public IngestTally(int total, IProgress<IngestProgress>? progress)
    {
        this.total = total;
        this.progress = progress;
    }

    public void Unchanged(string path)
    {
        IngestMetrics.Unchanged();
        Count(path, null, () => unchanged++);
    }

    public void Failed(string path, string reason)
    {
        IngestMetrics.Failed();
        var failure = new IngestFailure(path, reason);
        Count(path, failure, () => failures.Add(failure));
    }

    public void Written(string path, WriteOutcome outcome)
    {
        if (outcome == WriteOutcome.Added)
        {
            IngestMetrics.Added();
            Count(path, null, () => added++);
        }
        else
        {
            IngestMetrics.Updated();
            Count(path, null, () => updated++);
        }
    }

    public IngestSummary Summary(TimeSpan elapsed)
    {
        lock (gate)
        {
            return new IngestSummary(added, updated, unchanged, failures.OrderBy(f => f.Path, StringComparer.Ordinal).ToList(), elapsed);
        }
    }

    private void Count(string path, IngestFailure? failure, Action change)
    {
        IngestProgress snapshot;
        lock (gate)
        {
            change();
            snapshot = new IngestProgress(total, added, updated, unchanged, failures.Count, path, failure);
        }

        progress?.Report(snapshot);
    }
}
