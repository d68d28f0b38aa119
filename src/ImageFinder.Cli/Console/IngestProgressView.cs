using ImageFinder.Ingestion;

namespace ImageFinder.Cli.Console;

/// <summary>How the ingest job's progress is shown (see <see cref="ProgressView"/>).</summary>
internal static class IngestProgressView
{
    private static readonly ProgressView.Format<IngestProgress> Format = new(
        "ingest",
        p => (p.Done, p.Total),
        (p, _) => $"+{p.Added} ~{p.Updated} ={p.Unchanged} !{p.Failed}",
        (p, _) => $"{p.Done}/{p.Total} ({p.Added} added, {p.Updated} updated, {p.Unchanged} unchanged, {p.Failed} failed)",
        p => p.NewFailure is { } failure ? $"{Printable.Text(failure.Path)}: {Printable.Text(failure.Reason)}" : null);

    public static Task<IngestSummary> RunAsync(TextWriter output, Func<IProgress<IngestProgress>, Task<IngestSummary>> job) =>
        ProgressView.RunAsync(output, Format, job);
}
