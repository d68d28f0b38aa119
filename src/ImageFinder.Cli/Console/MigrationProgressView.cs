using ImageFinder.Storage;

namespace ImageFinder.Cli.Console;

/// <summary>How a migration's progress is shown (see <see cref="ProgressView"/>).</summary>
internal static class MigrationProgressView
{
    private static readonly ProgressView.Format<MigrationProgress> Format = new(
        "migrate",
        p => (p.Done, p.Total),
        (p, _) => $"+{p.Copied} ={p.Skipped}",
        (p, _) => $"{p.Done}/{p.Total} ({p.Copied} copied, {p.Skipped} already there)",
        _ => null);

    public static Task<MigrationSummary> RunAsync(TextWriter output, Func<IProgress<MigrationProgress>, Task<MigrationSummary>> job) =>
        ProgressView.RunAsync(output, Format, job);
}
