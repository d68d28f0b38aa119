using System.Diagnostics;
using ImageFinder.Ingestion;
using Spectre.Console;

namespace ImageFinder.Cli.Console;

/// <summary>A progress bar on a terminal; plain progress lines (and a line per failure) when output is redirected.</summary>
internal static class IngestProgressView
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(2);

    public static async Task<IngestSummary> RunAsync(TextWriter output, Func<IProgress<IngestProgress>, Task<IngestSummary>> job)
    {
        var interactive = !System.Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive && ReferenceEquals(output, System.Console.Out);
        return interactive ? await WithBarAsync(job) : await WithLinesAsync(output, job);
    }

    private static Task<IngestSummary> WithBarAsync(Func<IProgress<IngestProgress>, Task<IngestSummary>> job) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("ingest", maxValue: 1);
                var progress = new Progress<IngestProgress>(p =>
                {
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                    task.Description = $"+{p.Added} ~{p.Updated} ={p.Unchanged} !{p.Failed}";
                    if (p.NewFailure is { } failure)
                    {
                        AnsiConsole.MarkupLineInterpolated($"[red]failed[/] {failure.Path}: {failure.Reason}");
                    }
                });
                var summary = await job(progress);
                task.Value = task.MaxValue;
                return summary;
            });

    private static async Task<IngestSummary> WithLinesAsync(TextWriter output, Func<IProgress<IngestProgress>, Task<IngestSummary>> job)
    {
        var clock = Stopwatch.StartNew();
        var lastLine = TimeSpan.Zero;
        var gate = new Lock();
        var progress = new SynchronousReporter(p =>
        {
            lock (gate)
            {
                if (p.Done == p.Total || clock.Elapsed - lastLine >= PlainInterval)
                {
                    lastLine = clock.Elapsed;
                    output.WriteLine($"progress: {p.Done}/{p.Total} ({p.Added} added, {p.Updated} updated, {p.Unchanged} unchanged, {p.Failed} failed)");
                }
            }
        });
        return await job(progress);
    }

    private sealed class SynchronousReporter(Action<IngestProgress> report) : IProgress<IngestProgress>
    {
        public void Report(IngestProgress value) => report(value);
    }
}
