using System.Diagnostics;
using System.Globalization;
using ImageFinder.Download;
using Spectre.Console;

namespace ImageFinder.Cli.Console;

/// <summary>A progress bar on a terminal; plain progress lines when output is redirected.</summary>
internal static class DownloadProgressView
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(2);

    public static async Task<DownloadSummary> RunAsync(TextWriter output, Func<IProgress<DownloadProgress>, Task<DownloadSummary>> job)
    {
        var interactive = !System.Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive && ReferenceEquals(output, System.Console.Out);
        return interactive ? await WithBarAsync(job) : await WithLinesAsync(output, job);
    }

    /// <summary>Bytes in MB with one decimal.</summary>
    public static string Megabytes(long bytes) => (bytes / 1_000_000.0).ToString("F1", CultureInfo.InvariantCulture);

    private static Task<DownloadSummary> WithBarAsync(Func<IProgress<DownloadProgress>, Task<DownloadSummary>> job) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var clock = Stopwatch.StartNew();
                var task = context.AddTask("download", maxValue: 1);
                var progress = new Progress<DownloadProgress>(p =>
                {
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                    task.Description = $"↓{p.Downloaded} ={p.Skipped} !{p.Failed} {Megabytes(p.Bytes)} MB {Rate(p.Bytes, clock.Elapsed)} MB/s";
                    if (p.NewFailure is { } failure)
                    {
                        AnsiConsole.MarkupLineInterpolated($"[red]failed[/] {failure.Url}: {failure.Reason}");
                    }
                });
                var summary = await job(progress);
                task.Value = task.MaxValue;
                return summary;
            });

    private static async Task<DownloadSummary> WithLinesAsync(TextWriter output, Func<IProgress<DownloadProgress>, Task<DownloadSummary>> job)
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
                    output.WriteLine(
                        $"progress: {p.Done}/{p.Total} ({p.Downloaded} downloaded, {p.Skipped} skipped, {p.Failed} failed, " +
                        $"{p.Bytes} bytes, {Rate(p.Bytes, clock.Elapsed)} MB/s)");
                }
            }
        });
        return await job(progress);
    }

    private static string Rate(long bytes, TimeSpan elapsed) =>
        (elapsed.TotalSeconds > 0 ? bytes / 1_000_000.0 / elapsed.TotalSeconds : 0).ToString("F2", CultureInfo.InvariantCulture);

    private sealed class SynchronousReporter(Action<DownloadProgress> report) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => report(value);
    }
}
