using System.Diagnostics;

namespace ImageFinder.Bench.Support;

/// <summary>Progress lines on the console, stamped with the time since the harness started.</summary>
internal static class BenchLog
{
    private static readonly Stopwatch Clock = Stopwatch.StartNew();

    public static TimeSpan Elapsed => Clock.Elapsed;

    public static void Info(string message) => Console.WriteLine($"[{Clock.Elapsed:hh\\:mm\\:ss}] {message}");
}
