using System.Globalization;
using System.Text;
using ImageFinder.Bench.Support;
using ImageFinder.Native;

namespace ImageFinder.Bench.Load;

/// <summary>
/// The <c>load</c> mode: the real API under sustained concurrent searches (no 5xx, no memory growth), then
/// with a tiny inference queue and many clients (503 with Retry-After, answered quickly). Writes bench/LOAD.md.
/// </summary>
internal static class LoadTest
{
    /// <summary>RSS at the end may exceed RSS after warm-up by at most this share.</summary>
    private const double MaxGrowth = 0.10;

    public static async Task<int> RunAsync(string[] args)
    {
        LoadOptions options;
        try
        {
            options = LoadOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine("error: " + e.Message);
            Console.Error.WriteLine(LoadOptions.Usage);
            return 2;
        }

        if (options.Help)
        {
            Console.WriteLine(LoadOptions.Usage);
            return 0;
        }

        var started = DateTimeOffset.UtcNow;
        var othersCpuShare = MachineInfo.OthersCpuShare(TimeSpan.FromSeconds(2));
        NativeLibraries.EnsureInstalled();
        var paths = BenchPaths.Locate();
        var model = Path.Combine(paths.Repository, "models", "tiny-test.onnx");
        var collection = await LoadCollection.EnsureAsync(Path.Combine(paths.Work, "load-v1"), model, options.Images);
        var threads = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture);
        // The clients all come from 127.0.0.1: the per-IP rate limiter would answer most of them 429.
        const string RateLimitOff = "0";

        LoadResult steady;
        long afterWarmup;
        long atEnd;
        BenchLog.Info($"load: starting the API on {collection.Database}");
        await using (var server = await ApiServer.StartAsync(paths.ApiDll, collection.Database, model, new Dictionary<string, string> { ["IntraOpThreads"] = threads, ["RateLimitPerSecond"] = RateLimitOff }, collection.Count))
        {
            using var driver = new LoadDriver(server.Address, collection.Queries, options.Clients);
            BenchLog.Info($"load: warm-up, {options.Clients} clients for {options.WarmupSeconds} s");
            await driver.RunAsync(TimeSpan.FromSeconds(options.WarmupSeconds), server.ResidentBytes);
            afterWarmup = server.ResidentBytes();
            BenchLog.Info($"load: measured run, {options.Clients} clients for {options.Seconds} s (RSS after warm-up {Format.MiB(afterWarmup)} MiB)");
            steady = await driver.RunAsync(TimeSpan.FromSeconds(options.Seconds), server.ResidentBytes);
            atEnd = server.ResidentBytes();
            BenchLog.Info($"load: {Format.Rate(steady.RequestsPerSecond)} requests/s, {steady.ServerErrors} 5xx, RSS at the end {Format.MiB(atEnd)} MiB");
        }

        LoadResult? busy = null;
        if (options.BusySeconds > 0)
        {
            var settings = new Dictionary<string, string>
            {
                ["IntraOpThreads"] = threads,
                ["InferenceQueueCapacity"] = options.BusyQueueCapacity.ToString(CultureInfo.InvariantCulture),
                // A batch must fit the queue (start-up validation); this run sends no batches.
                ["MaxBatchFiles"] = Math.Min(32, options.BusyQueueCapacity).ToString(CultureInfo.InvariantCulture),
                ["RateLimitPerSecond"] = RateLimitOff,
            };
            BenchLog.Info($"load: back-pressure run, queue capacity {options.BusyQueueCapacity}, {options.BusyClients} clients for {options.BusySeconds} s");
            await using var server = await ApiServer.StartAsync(paths.ApiDll, collection.Database, model, settings, collection.Count);
            using var driver = new LoadDriver(server.Address, collection.Queries, options.BusyClients);
            busy = await driver.RunAsync(TimeSpan.FromSeconds(options.BusySeconds), server.ResidentBytes);
            BenchLog.Info($"load: {busy.Count(200)} answered 200, {busy.Count(503)} answered 503");
        }

        var growth = (atEnd - afterWarmup) / (double)afterWarmup;
        var pass = steady.ServerErrors == 0 && steady.Failures.Count == 0 && growth <= MaxGrowth
            && (busy is null || (busy.BusyWithoutRetryAfter == 0 && busy.Failures.Count == 0 && busy.Answers.All(a => a.Status is 200 or 503)));
        var report = Report(options, paths, collection, started, othersCpuShare, steady, afterWarmup, atEnd, growth, busy, pass);
        var file = Path.Combine(paths.Bench, "LOAD.md");
        await File.WriteAllTextAsync(file, report);
        BenchLog.Info($"load: {(pass ? "pass" : "FAIL")}; figures in {file}");
        return pass ? 0 : 1;
    }

    private static string Report(
        LoadOptions options,
        BenchPaths paths,
        LoadCollection collection,
        DateTimeOffset started,
        double othersCpuShare,
        LoadResult steady,
        long afterWarmup,
        long atEnd,
        double growth,
        LoadResult? busy,
        bool pass)
    {
        var machine = MachineInfo.Read();
        var command = "dotnet run -c Release --project bench/ImageFinder.Bench -- load" + (options.Arguments.Count > 0 ? " " + string.Join(' ', options.Arguments) : string.Empty);
        var text = new StringBuilder();
        text.AppendLine("# ImageFinder load run").AppendLine();
        text.AppendLine(
            "> Written by the harness's `load` mode (bench/README.md). The machine is shared and the model is the tiny test model, " +
            "so the absolute figures are indicative only; what the run checks is the absence of 5xx, memory that does not grow, " +
            "and quick 503s with `Retry-After` when the inference queue is full.").AppendLine();
        text.AppendLine("```bash").AppendLine(command).AppendLine("```").AppendLine();
        text.Append(new MarkdownTable("item", "value")
            .Row("date (UTC)", started.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))
            .Row("machine", $"{machine.Cpu}, {machine.Cores} cores, {machine.MemoryGiB.ToString("F1", CultureInfo.InvariantCulture)} GiB, {machine.OperatingSystem}, {machine.Dotnet}")
            .Row("source", ResultsPreamble.Git(paths.Repository))
            .Row("CPU used by other processes just before the start", double.IsNaN(othersCpuShare) ? "unknown" : $"{othersCpuShare * 100:F0} %")
            .Row("server", "`dotnet ImageFinder.Api.dll` (Production, Kestrel on 127.0.0.1), `models/tiny-test.onnx`, " +
                $"{machine.Cores} intra-op threads, MaxBatchSize 8, exact search, rate limiting off (`RateLimitPerSecond=0`)")
            .Row("collection", $"{Format.Count(collection.Count)} distinct photo-like {LoadCollection.Width}x{LoadCollection.Height} JPEGs, ingested by the ingest job")
            .Row("requests", $"`POST /search?k=10`, multipart, one of {collection.Queries.Count} re-encoded 200-pixel JPEG copies of collection images; " +
                "each client sends its next request when the last is answered; the clients run on the same cores as the server")
            .Row("result", pass ? "pass" : "**FAIL**")).AppendLine();

        text.AppendLine("## Sustained load").AppendLine();
        text.AppendLine($"{options.Clients} clients, {options.WarmupSeconds} s of warm-up (not counted), then {options.Seconds} s measured.").AppendLine();
        var ok = steady.Answers.Where(a => a.Status == 200).Select(a => a.Milliseconds).ToList();
        text.Append(new MarkdownTable("requests", "requests/s", "p50 ms", "p99 ms", "max ms", "answers by status", "requests without an answer")
            .Row(
                Format.Count(steady.Answers.Count),
                Format.Rate(steady.RequestsPerSecond),
                ok.Count > 0 ? Format.Ms(Distribution.Of(ok).P50) : "-",
                ok.Count > 0 ? Format.Ms(Distribution.Of(ok).P99) : "-",
                ok.Count > 0 ? Format.Ms(Distribution.Of(ok).Max) : "-",
                Statuses(steady),
                Failures(steady))).AppendLine();
        text.Append(new MarkdownTable("API RSS after warm-up", "API RSS at the end", "growth", "largest RSS sample during the run", "limit", "5xx", "result")
            .Row(
                $"{Format.MiB(afterWarmup)} MiB",
                $"{Format.MiB(atEnd)} MiB",
                $"{growth * 100:+0.0;-0.0} %",
                $"{Format.MiB(steady.ResidentSamples.DefaultIfEmpty(atEnd).Max())} MiB",
                $"growth ≤ {MaxGrowth * 100:F0} %, no 5xx",
                steady.ServerErrors.ToString(CultureInfo.InvariantCulture),
                Format.Verdict(steady.ServerErrors == 0 && steady.Failures.Count == 0 && growth <= MaxGrowth))).AppendLine();

        if (busy is not null)
        {
            text.AppendLine("## Back-pressure").AppendLine();
            text.AppendLine(
                $"A fresh API with `ImageFinder:InferenceQueueCapacity={options.BusyQueueCapacity}` and {options.BusyClients} clients for " +
                $"{options.BusySeconds} s: more requests than inference can serve. The queue is checked before decoding, so a shed " +
                "request is answered 503 with `Retry-After: 1` at once instead of waiting.").AppendLine();
            var table = new MarkdownTable("status", "answers", "share", "p50 ms", "p99 ms", "max ms");
            foreach (var (status, count) in busy.ByStatus())
            {
                var latencies = Distribution.Of(busy.Answers.Where(a => a.Status == status).Select(a => a.Milliseconds));
                table.Row(status.ToString(CultureInfo.InvariantCulture), Format.Count(count), $"{100.0 * count / busy.Answers.Count:F1} %", Format.Ms(latencies.P50), Format.Ms(latencies.P99), Format.Ms(latencies.Max));
            }

            text.Append(table).AppendLine();
            text.AppendLine(
                $"{Format.Rate(busy.RequestsPerSecond)} answers/s in all; 503 without `Retry-After`: {busy.BusyWithoutRetryAfter}; " +
                $"requests without an answer: {Failures(busy)}; statuses other than 200 and 503: {busy.Answers.Count(a => a.Status is not (200 or 503))}.").AppendLine();
        }

        return text.ToString();
    }

    private static string Statuses(LoadResult result) =>
        string.Join(", ", result.ByStatus().Select(s => $"{s.Status}: {Format.Count(s.Count)}"));

    private static string Failures(LoadResult result) =>
        result.Failures.Count == 0 ? "0" : string.Join(", ", result.Failures.Select(f => $"{f.Key}: {f.Value}"));
}
