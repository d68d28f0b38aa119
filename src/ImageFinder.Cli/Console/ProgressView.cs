using System.Diagnostics;
using Spectre.Console;

namespace ImageFinder.Cli.Console;

/// <summary>
/// Shows a long job's progress: a Spectre.Console bar on an interactive terminal (with a line per failure),
/// plain <c>progress:</c> lines every 2 seconds and at the end when the output is redirected.
/// </summary>
internal static class ProgressView
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(2);

    /// <summary>How one kind of job's progress is shown; every text function also gets the time since the start.</summary>
    public sealed record Format<TProgress>(
        string Name,
        Func<TProgress, (int Done, int Total)> Counts,
        Func<TProgress, TimeSpan, string> BarText,
        Func<TProgress, TimeSpan, string> LineText,
        Func<TProgress, string?> NewFailure);

    public static async Task<TSummary> RunAsync<TProgress, TSummary>(TextWriter output, Format<TProgress> format, Func<IProgress<TProgress>, Task<TSummary>> job)
    {
        var interactive = !System.Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive && ReferenceEquals(output, System.Console.Out);
        return interactive ? await WithBarAsync(format, job) : await WithLinesAsync(output, format, job);
    }

    private static Task<TSummary> WithBarAsync<TProgress, TSummary>(Format<TProgress> format, Func<IProgress<TProgress>, Task<TSummary>> job) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var clock = Stopwatch.StartNew();
                var task = context.AddTask(format.Name, maxValue: 1);
                var progress = new Progress<TProgress>(p =>
                {
                    var (done, total) = format.Counts(p);
                    task.MaxValue = Math.Max(1, total);
                    task.Value = done;
                    task.Description = format.BarText(p, clock.Elapsed);
                    if (format.NewFailure(p) is { } failure)
                    {
                        AnsiConsole.MarkupLineInterpolated($"[red]failed[/] {failure}");
                    }
                });
                var summary = await job(progress);
                task.Value = task.MaxValue;
                return summary;
            });

    private static async Task<TSummary> WithLinesAsync<TProgress, TSummary>(TextWriter output, Format<TProgress> format, Func<IProgress<TProgress>, Task<TSummary>> job)
    {
        var clock = Stopwatch.StartNew();
        var lastLine = TimeSpan.Zero;
        var gate = new Lock();
        var progress = new SynchronousReporter<TProgress>(p =>
        {
            lock (gate)
            {
                var (done, total) = format.Counts(p);
                if (done == total || clock.Elapsed - lastLine >= PlainInterval)
                {
                    lastLine = clock.Elapsed;
                    output.WriteLine("progress: " + format.LineText(p, clock.Elapsed));
                }
            }
        });
        return await job(progress);
    }

    /// <summary>Reports on the job's own thread (Progress&lt;T&gt; would post to the thread pool and lose the order).</summary>
    private sealed class SynchronousReporter<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
