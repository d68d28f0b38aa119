using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using ImageFinder.Bench.Support;
using ImageFinder.Imaging;
using ImageFinder.Inference;
using Microsoft.Data.Sqlite;

namespace ImageFinder.Bench.Sections;

/// <summary>
/// Section 7, peers: the Python seed's own stack (bench/peers/: PIL + torchvision transforms, torchvision ResNet-50 with
/// fc = Identity, torch threads = cores, sqlite-vec in Python's sqlite3, FastAPI + uvicorn; Debian's packages) side by
/// side with ImageFinder, on the same images and the same weights (one seeded model saved as a state_dict for the seed
/// and as ONNX for us). Ingest as whole processes (seed at batch 1 and 16, our CLI at batch 16): images/s and peak RSS;
/// then one-client <c>POST /search</c> p50 and peak RSS of each API serving the collection it ingested. The runs
/// alternate between the stacks so the machine's drift touches both alike.
/// </summary>
internal sealed partial class PeersBenchmark
{
    public const int K = 10;

    /// <summary>The CLI's default batch size, which our ingest runs with (its defaults, as a user runs it).</summary>
    private const int OurBatch = 8;
    private const double Batch1Target = 2.0;
    private const double Batch16Target = 1.8;
    private const double SearchTarget = 0.55;

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private static readonly Stack SeedBatch1 = new("seed, batch 1", false, 1, "seed-b1.db");
    private static readonly Stack SeedBatch16 = new("seed, batch 16", false, 16, "seed-b16.db");
    private static readonly Stack Ours = new($"ImageFinder, batch {OurBatch}", true, OurBatch, "imagefinder.db");

    private readonly BenchContext context;
    private readonly SeedStack seed;

    public PeersBenchmark(BenchContext context)
    {
        this.context = context;
        seed = new SeedStack(context.Paths);
    }

    private string Threads => context.Threads.ToString(CultureInfo.InvariantCulture);

    public async Task RunAsync(ResultsSection section)
    {
        var effort = context.Effort;
        var seedVersions = seed.Versions();
        var debian = SeedStack.DebianVersions();
        var made = seed.EnsureWeights();
        var count = effort.PeersIngestImages;
        var folder = context.Images.FolderAt(Path.Combine(seed.Work, "ingest-640x480"), TestImageFactory.Small, count);
        // Neither stack pays for a cold disk: the images were just written, the weights are read once here.
        foreach (var file in new[] { seed.StateDict, seed.Onnx })
        {
            _ = File.ReadAllBytes(file);
        }

        // Ingest: each repeat runs the three, the order reversed every other repeat.
        Stack[] ingestOrder = [SeedBatch1, Ours, SeedBatch16];
        Stack[] reversedOrder = [SeedBatch16, Ours, SeedBatch1];
        var ingests = new List<IngestRun>();
        for (var repeat = 1; repeat <= effort.PeersRepeats; repeat++)
        {
            foreach (var stack in repeat % 2 == 1 ? ingestOrder : reversedOrder)
            {
                ingests.Add(await IngestAsync(stack, repeat, folder, count));
            }
        }

        // Search: the seed's API on the database its batch-16 ingest wrote, ours on ours; seed first on odd repeats.
        var query = context.Images.Sources(TestImageFactory.Small)[0];
        var searches = new List<SearchRun>();
        for (var repeat = 1; repeat <= effort.PeersRepeats; repeat++)
        {
            bool[] order = repeat % 2 == 1 ? [false, true] : [true, false];
            foreach (var ours in order)
            {
                searches.Add(ours ? await SearchOursAsync(repeat, query, count) : await SearchSeedAsync(repeat, query, count));
            }
        }

        Write(section, ingests, searches, seedVersions, debian, made, count, query.Length);
    }

    private async Task<IngestRun> IngestAsync(Stack stack, int repeat, string folder, int count)
    {
        var database = Path.Combine(seed.Work, stack.Database);
        WorkFiles.DeleteDatabase(database);
        var (program, arguments) = IngestCommand(stack, folder, database);
        BenchLog.Info($"peers: repeat {repeat}: {stack.Name}: ingesting {count} images");
        var stopwatch = Stopwatch.StartNew();
        using var process = ChildProcess.Start(program, arguments, context.Paths.Repository);
        var exited = ExitedAtAsync(process, stopwatch);
        var peak = await process.WaitForExitTrackingPeakAsync(PollInterval);
        var wall = await exited;

        var output = process.OutputTail;
        var done = (stack.IsOurs ? OurSummary() : SeedSummary()).Match(output);
        if (process.ExitCode != 0 || !done.Success
            || Number(done, "count") != count || Number(done, "stored") != count || (done.Groups["failed"].Success && Number(done, "failed") != 0))
        {
            throw new InvalidOperationException($"{stack.Name}: the ingest did not store {count} images (exit code {process.ExitCode}):{Environment.NewLine}{output}");
        }

        var rate = count / wall.TotalSeconds;
        var loopRate = double.Parse(done.Groups["rate"].Value, CultureInfo.InvariantCulture);
        BenchLog.Info($"peers: repeat {repeat}: {stack.Name}: {Format.Seconds(wall)} s, {rate:F2} images/s whole process ({loopRate:F2} in its loop), peak RSS {Format.MiB(peak)} MiB");
        return new IngestRun(stack, repeat, wall, rate, loopRate, peak, CommandText(program, arguments));
    }

    private (string Program, IReadOnlyList<string> Arguments) IngestCommand(Stack stack, string folder, string database) =>
        stack.IsOurs
            ? (BenchPaths.DotnetHost,
               [
                   context.Paths.CliDll, "ingest", "--folder", folder, "--db", database, "--model", seed.Onnx,
                   // The CLI's defaults, as a user runs it: one single-threaded session per core, batch 8.
               ])
            : (seed.Python,
               [
                   seed.IngestScript, "--folder", folder, "--db", database, "--weights", seed.StateDict,
                   "--batch", stack.Batch.ToString(CultureInfo.InvariantCulture), "--vec0", seed.Vec0,
               ]);

    private static async Task<TimeSpan> ExitedAtAsync(ChildProcess process, Stopwatch stopwatch)
    {
        await process.WaitForExitAsync();
        return stopwatch.Elapsed;
    }

    private async Task<SearchRun> SearchSeedAsync(int repeat, byte[] query, int count)
    {
        BenchLog.Info($"peers: repeat {repeat}: starting the seed's API (uvicorn)");
        var server = await SeedApiServer.StartAsync(seed, Path.Combine(seed.Work, SeedBatch16.Database), count, context.Paths.Repository);
        var processId = server.ProcessId;
        SearchRun run;
        try
        {
            var listening = LoopbackOnly(processId, "the seed's API");
            var (latencies, answer) = await MeasureAsync(server.Address, query, "id", count);
            run = new SearchRun(false, repeat, Distribution.Of(latencies), server.PeakResidentBytes(), listening, Scenes(answer, "id"), Distances(answer),
                CommandText(seed.Python, server.Arguments));
        }
        finally
        {
            await server.DisposeAsync();
        }

        await EnsureGoneAsync(processId, server.Address.Port, "the seed's API");
        Log(run);
        return run;
    }

    private async Task<SearchRun> SearchOursAsync(int repeat, byte[] query, int count)
    {
        BenchLog.Info($"peers: repeat {repeat}: starting ImageFinder's API");
        var database = Path.Combine(seed.Work, Ours.Database);
        var server = await ApiServer.StartAsync(context.Paths.ApiDll, database, seed.Onnx, OurApiSettings(), count);
        var processId = server.ProcessId;
        SearchRun run;
        try
        {
            var listening = LoopbackOnly(processId, "ImageFinder's API");
            var (latencies, answer) = await MeasureAsync(server.Address, query, "index", count);
            run = new SearchRun(true, repeat, Distribution.Of(latencies), server.PeakResidentBytes(), listening, Scenes(answer, "source"), Distances(answer),
                OurApiCommand(database, server.Address));
        }
        finally
        {
            await server.DisposeAsync();
        }

        await EnsureGoneAsync(processId, server.Address.Port, "ImageFinder's API");
        Log(run);
        return run;
    }

    private static void Log(SearchRun run) =>
        BenchLog.Info($"peers: repeat {run.Repeat}: {run.Name} API: p50 {run.Latency.P50:F1} ms, p90 {run.Latency.P90:F1} ms, peak RSS {Format.MiB(run.PeakRss)} MiB");

    private Dictionary<string, string> OurApiSettings() => new()
    {
        ["IntraOpThreads"] = Threads,
        ["MaxBatchSize"] = context.BatchSize.ToString(CultureInfo.InvariantCulture),
        ["RateLimitPerSecond"] = "0",
    };

    /// <summary>What <see cref="ApiServer"/> runs, written out as a shell command.</summary>
    private string OurApiCommand(string database, Uri address) =>
        "ASPNETCORE_ENVIRONMENT=Production " +
        $"ImageFinder__Database={Relative(database)} ImageFinder__ModelPath={Relative(seed.Onnx)} " +
        string.Concat(OurApiSettings().Select(s => $"ImageFinder__{s.Key}={s.Value} ")) +
        "Logging__LogLevel__Default=Warning " +
        CommandText(BenchPaths.DotnetHost, [context.Paths.ApiDll, "--urls", address.ToString().TrimEnd('/')]);

    /// <summary>
    /// One client, the same JPEG every time: untimed warm-up requests, then the timed ones; then one untimed request for
    /// more results than the collection has copies of the query's scene, whose answer shows what the API finds.
    /// </summary>
    private async Task<(List<double> Latencies, JsonElement Answer)> MeasureAsync(Uri address, byte[] query, string idProperty, int count)
    {
        var effort = context.Effort;
        using var client = new PeerSearchClient(address, query, K, idProperty);
        for (var i = 0; i < effort.HttpWarmupRequests; i++)
        {
            await client.SearchAsync();
        }

        var latencies = new List<double>();
        for (var i = 0; i < effort.HttpSingleClientRequests; i++)
        {
            latencies.Add(await client.SearchAsync());
        }

        using var check = new PeerSearchClient(address, query, CheckK(count), idProperty);
        await check.SearchAsync();
        return (latencies, check.LastResults);
    }

    /// <summary>k of the answer check: every copy of the query's scene, and <see cref="K"/> more.</summary>
    private static int CheckK(int count) => Copies(count) + K;

    private static int Copies(int count) => (count + TestImageFactory.DistinctImages - 1) / TestImageFactory.DistinctImages;

    /// <summary>"0 ×32, 6 ×4, 3 ×6": runs of equal neighbours.</summary>
    private static string Runs(IEnumerable<string> values)
    {
        var runs = new List<(string Value, int Count)>();
        foreach (var value in values)
        {
            if (runs.Count > 0 && runs[^1].Value == value)
            {
                runs[^1] = (value, runs[^1].Count + 1);
            }
            else
            {
                runs.Add((value, 1));
            }
        }

        return string.Join(", ", runs.Select(r => r.Count == 1 ? r.Value : $"{r.Value} ×{r.Count}"));
    }

    /// <summary>The addresses the server listens on (from /proc); fails unless they are all loopback.</summary>
    private static string LoopbackOnly(int processId, string what)
    {
        var endpoints = ListeningSockets.Of(processId);
        if (endpoints.Count == 0 || !ListeningSockets.AllLoopback(endpoints))
        {
            throw new InvalidOperationException($"{what} (pid {processId}) listens on {(endpoints.Count == 0 ? "nothing /proc shows" : string.Join(", ", endpoints))}; only loopback is allowed.");
        }

        return string.Join(", ", endpoints.Select(e => e.ToString()).Distinct());
    }

    /// <summary>After a server is stopped: its process is gone and nothing answers on its port.</summary>
    private static async Task EnsureGoneAsync(int processId, int port, string what)
    {
        var stopwatch = Stopwatch.StartNew();
        while (Directory.Exists($"/proc/{processId}"))
        {
            if (stopwatch.Elapsed > StopTimeout)
            {
                throw new InvalidOperationException($"{what} (pid {processId}) is still running {StopTimeout.TotalSeconds:F0} s after it was killed.");
            }

            await Task.Delay(50);
        }

        using var probe = new TcpClient();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await probe.ConnectAsync(System.Net.IPAddress.Loopback, port, timeout.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return;
        }

        throw new InvalidOperationException($"{what} was stopped (pid {processId} is gone) but something still accepts connections on 127.0.0.1:{port}.");
    }

    /// <summary>The scene (0 to 7) of each result: the test image's number modulo the distinct images.</summary>
    private static List<int> Scenes(JsonElement results, string property) =>
        results.EnumerateArray().Select(r =>
        {
            var value = r.GetProperty(property);
            // The seed's ids follow its sorted file names (image-00000.jpg is id 1); ours give the source path.
            var index = value.ValueKind == JsonValueKind.Number
                ? value.GetInt64() - 1
                : long.Parse(ImageNumber().Match(Path.GetFileName(value.GetString()!)).Value, CultureInfo.InvariantCulture);
            return (int)(index % TestImageFactory.DistinctImages);
        }).ToList();

    private static List<double> Distances(JsonElement results) =>
        results.EnumerateArray().Select(r => r.GetProperty("distance").GetDouble()).ToList();

    private void Write(
        ResultsSection section, List<IngestRun> ingests, List<SearchRun> searches, IReadOnlyList<(string Name, string Version)> seedVersions,
        IReadOnlyList<(string Package, string Version)> debian, TimeSpan? made, int count, int queryBytes)
    {
        var effort = context.Effort;
        var repeats = effort.PeersRepeats;

        var ingestTable = new MarkdownTable(
            "stack", "images", "wall s, start-up included (each repeat)", "images/s whole process (median; each repeat)",
            "images/s of its ingest loop, as the program reports it (median)", "peak RSS MiB (VmHWM, highest of the repeats)");
        foreach (var stack in new[] { SeedBatch1, SeedBatch16, Ours })
        {
            var runs = ingests.Where(r => r.Stack == stack).ToList();
            ingestTable.Row(
                stack.Name,
                count.ToString(CultureInfo.InvariantCulture),
                string.Join(", ", runs.Select(r => Format.Seconds(r.Wall))),
                $"{Format.Rate(Median(runs.Select(r => r.Rate)))} ({string.Join(", ", runs.Select(r => Format.Rate(r.Rate)))})",
                Format.Rate(Median(runs.Select(r => r.LoopRate))),
                Format.MiB(runs.Max(r => r.PeakRss)));
        }

        var searchTable = new MarkdownTable(
            "API", "timed requests per repeat", "p50 ms (median of the repeats; each)", "p90 ms (median of the repeats)",
            "peak RSS MiB (VmHWM after its requests, highest of the repeats)", "listening on (checked in /proc)");
        foreach (var ours in new[] { false, true })
        {
            var runs = searches.Where(r => r.IsOurs == ours).ToList();
            searchTable.Row(
                runs[0].Name,
                effort.HttpSingleClientRequests.ToString(CultureInfo.InvariantCulture),
                $"{Format.Ms(Median(runs.Select(r => r.Latency.P50)))} ({string.Join(", ", runs.Select(r => Format.Ms(r.Latency.P50)))})",
                Format.Ms(Median(runs.Select(r => r.Latency.P90))),
                Format.MiB(runs.Max(r => r.PeakRss)),
                string.Join("; ", runs.Select(r => r.Listening).Distinct()));
        }

        // Ratios per repeat (the runs of one repeat are next to each other in time), then their median.
        var vsBatch1 = PerRepeat(repeats, r => Rate(ingests, Ours, r) / Rate(ingests, SeedBatch1, r));
        var vsBatch16 = PerRepeat(repeats, r => Rate(ingests, Ours, r) / Rate(ingests, SeedBatch16, r));
        var vsSearch = PerRepeat(repeats, r => P50(searches, true, r) / P50(searches, false, r));
        var targets = new MarkdownTable("figure", "ImageFinder", "seed", "ImageFinder / seed (median of the repeats' ratios; each)", "target", "result");
        targets.Row(
            "ingest images/s (whole process) vs the seed at batch 1",
            Format.Rate(Median(ingests.Where(r => r.Stack == Ours).Select(r => r.Rate))),
            Format.Rate(Median(ingests.Where(r => r.Stack == SeedBatch1).Select(r => r.Rate))),
            RatioText(vsBatch1), $"≥ {Format.Ratio(Batch1Target)}×", Format.Verdict(Median(vsBatch1) >= Batch1Target));
        targets.Row(
            "ingest images/s (whole process) vs the seed at batch 16",
            Format.Rate(Median(ingests.Where(r => r.Stack == Ours).Select(r => r.Rate))),
            Format.Rate(Median(ingests.Where(r => r.Stack == SeedBatch16).Select(r => r.Rate))),
            RatioText(vsBatch16), $"≥ {Format.Ratio(Batch16Target)}×", Format.Verdict(Median(vsBatch16) >= Batch16Target));
        targets.Row(
            "`/search` p50 ms, one client",
            Format.Ms(Median(searches.Where(r => r.IsOurs).Select(r => r.Latency.P50))),
            Format.Ms(Median(searches.Where(r => !r.IsOurs).Select(r => r.Latency.P50))),
            RatioText(vsSearch), $"≤ {Format.Ratio(SearchTarget)}×", Format.Verdict(Median(vsSearch) <= SearchTarget));
        var ingestRss = (Ours: ingests.Where(r => r.Stack == Ours).Max(r => r.PeakRss), Seed: ingests.Where(r => r.Stack == SeedBatch16).Max(r => r.PeakRss));
        var apiRss = (Ours: searches.Where(r => r.IsOurs).Max(r => r.PeakRss), Seed: searches.Where(r => !r.IsOurs).Max(r => r.PeakRss));
        targets.Row(
            "ingest peak RSS MiB (vs the seed at batch 16)", Format.MiB(ingestRss.Ours), Format.MiB(ingestRss.Seed),
            Format.Ratio((double)ingestRss.Ours / ingestRss.Seed), "none (reported)", "—");
        targets.Row(
            "API peak RSS MiB", Format.MiB(apiRss.Ours), Format.MiB(apiRss.Seed),
            Format.Ratio((double)apiRss.Ours / apiRss.Seed), "none (reported)", "—");

        var copies = Copies(count);
        var answers = new MarkdownTable("API", $"scenes of the {CheckK(count)} results, nearest first (scene × results in a row)", "their L2 distances (distance × results in a row)");
        foreach (var run in searches.Where(r => r.Repeat == repeats).OrderBy(r => r.IsOurs))
        {
            answers.Row(
                run.Name,
                Runs(run.Scenes.Select(scene => scene.ToString(CultureInfo.InvariantCulture))),
                Runs(run.Distances.Select(d => d.ToString("F2", CultureInfo.InvariantCulture))));
        }

        section.Paragraph(
            "The Python seed's own stack, written as the seed writes it (`bench/peers/`, run with Debian's `/usr/bin/python3`; " +
            "`bench/setup.sh` installs its packages), against ImageFinder's CLI and API, in one run. " +
            "**Same images**: a folder of " + count.ToString(CultureInfo.InvariantCulture) + $" 640x480 JPEGs (the {TestImageFactory.DistinctImages} " +
            $"4:2:0 test scenes of the embed section, {copies} copies each under different names). **Same weights**: one torchvision ResNet-50 " +
            "(`resnet50(weights=None)` under `torch.manual_seed(20261201)`, fc = Identity, eval, batch-norm statistics re-estimated from seeded inputs as " +
            "`models/export_torchvision.py --weights none` does), saved by `bench/peers/make_weights.py` as a state_dict for the seed and exported to ONNX " +
            "(opset 17, dynamic batch, 2048-d pooled features) with its card for us; the script checks that the reloaded state_dict gives identical " +
            "outputs and that ONNX Runtime (ImageFinder's `model-check`) matches torch. Random weights: the cost is the real model's, the vectors mean nothing. " +
            (made is { } took ? $"Made in this run ({Format.Seconds(took)} s). " : "Reused from bench/work/peers. ") +
            "**The seed**: PIL open + convert RGB, torchvision `Resize(256)`, `CenterCrop(224)`, `ToTensor()`, `Normalize(ImageNet mean, std)`, " +
            "forward under `torch.no_grad()` with `torch.set_num_threads(os.cpu_count())`, one image after another in its one Python thread; vectors into a " +
            "sqlite-vec `vec0(embedding float[2048])` table through Python's sqlite3 (`enable_load_extension` + `load_extension` of native/'s vec0.so), " +
            "committed at the end. Its API: FastAPI, `POST /search` with an `UploadFile` part `file`, `async def` handler doing the same transforms and " +
            "forward, then `select rowid, distance from vec_images where embedding match ? and k = ?`, JSON ids and distances; served by uvicorn on " +
            "127.0.0.1, one worker. **Ours**: `ImageFinder.Cli ingest` (Release build) with the ONNX copy of the weights, batch " +
            $"{OurBatch}, {Threads} single-threaded ONNX Runtime sessions running batches side by side (the CLI's defaults for batch jobs, no options given: one session per core; " +
            $"the seed's torch runs {Threads} threads), and the API (`dotnet ImageFinder.Api.dll`, " +
            $"Production, {Threads} intra-op threads) serving the database our ingest wrote.");
        section.Paragraph(
            "**Ingest** is timed as a whole process, from starting it to its exit: interpreter or runtime start-up, imports, model load, a fresh " +
            "database, every image, the commit. images/s = images ÷ that wall time; the programs' own figure for their ingest loop alone is shown " +
            "beside it. Peak RSS is VmHWM from /proc/&lt;pid&gt;/status, polled every 20 ms until the exit. " +
            $"**Search**: one client (this harness, .NET HttpClient, keep-alive), `POST /search?k={K}` with the same {Format.KiB(queryBytes)} KiB 640x480 JPEG " +
            $"(scene 0, in the collection), {effort.HttpWarmupRequests} untimed requests, then {effort.HttpSingleClientRequests} timed; the latency runs " +
            "from sending the request to having parsed the whole JSON answer. Each API serves the collection its own stack ingested (the seed's: its " +
            "batch-16 database); its peak RSS is read after its requests. Every server listens on 127.0.0.1 only (its listening sockets are read from " +
            "/proc), is stopped by killing its process tree by id, and is checked gone (no process, nothing accepting on its port) before the next starts. " +
            $"**Order**: {repeats} repeat(s); ingest runs seed batch 1, ours, seed batch 16, reversed on every other repeat; the APIs alternate " +
            "seed then ours, ours then seed. Figures are medians over the repeats, ratios are the median of each repeat's ratio.");
        section.Table(targets);
        section.Table(ingestTable);
        section.Table(searchTable);
        section.Paragraph(
            $"Both stacks compute the same thing: after its timed requests, each API (last repeat) is asked once for the {CheckK(count)} nearest " +
            $"to the query (k = the {copies} copies of its scene + {K}); the table gives the scene of each result (the file's number modulo " +
            $"{TestImageFactory.DistinctImages}) and the L2 distances. The copies of scene 0 come first at distance 0, then the other scenes. The " +
            "decoders and resamplers differ (PIL decodes the whole JPEG and resizes with its antialiased bilinear filter; libvips shrinks on load), " +
            "so the distances to other scenes differ a little, and two scenes at nearly the same distance may swap.");
        section.Table(answers);

        var commands = new List<string> { "# the shared weights (once; cached in bench/work/peers)" };
        commands.Add(CommandText(seed.Python, [seed.WeightsScript, "--out", seed.Work, "--cli", context.Paths.CliDll]));
        foreach (var stack in new[] { SeedBatch1, SeedBatch16, Ours })
        {
            commands.Add($"# ingest: {stack.Name}");
            commands.Add(ingests.First(r => r.Stack == stack).Command);
        }

        commands.Add("# the seed's API (a free port each time)");
        commands.Add(searches.First(r => !r.IsOurs).Command);
        commands.Add("# ImageFinder's API (a free port each time)");
        commands.Add(searches.First(r => r.IsOurs).Command);
        section.Paragraph("The exact commands (from the repository root):" + Environment.NewLine + Environment.NewLine +
            "```bash" + Environment.NewLine + string.Join(Environment.NewLine, commands) + Environment.NewLine + "```");

        var versions = new MarkdownTable("stack", "component", "version");
        foreach (var (name, version) in seedVersions)
        {
            versions.Row("seed", name, version);
        }

        foreach (var (package, version) in debian)
        {
            versions.Row("seed", $"Debian package `{package}`", version);
        }

        versions.Row("ImageFinder", ".NET", context.Machine.Dotnet);
        versions.Row("ImageFinder", "ONNX Runtime", OnnxSession.RuntimeVersion);
        versions.Row("ImageFinder", "libvips (NetVips.Native.linux-x64)", Libvips.Version);
        versions.Row("ImageFinder", "SQLite (Microsoft.Data.Sqlite's bundle)", SqliteVersion());
        versions.Row("ImageFinder", "sqlite-vec", "the same vec0.so (native/, the npm package sqlite-vec-linux-x64)");
        section.Table(versions);
    }

    private static List<double> PerRepeat(int repeats, Func<int, double> ratio) => Enumerable.Range(1, repeats).Select(ratio).ToList();

    private static double Rate(List<IngestRun> runs, Stack stack, int repeat) => runs.Single(r => r.Stack == stack && r.Repeat == repeat).Rate;

    private static double P50(List<SearchRun> runs, bool ours, int repeat) => runs.Single(r => r.IsOurs == ours && r.Repeat == repeat).Latency.P50;

    private static double Median(IEnumerable<double> values) => Distribution.Of(values).P50;

    private static string RatioText(List<double> ratios) =>
        ratios.Count == 1
            ? $"{Format.Ratio(ratios[0])}×"
            : $"{Format.Ratio(Median(ratios))}× ({string.Join(", ", ratios.Select(r => Format.Ratio(r) + "×"))})";

    private static long Number(Match match, string group) => long.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);

    private static string SqliteVersion()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        return connection.ServerVersion;
    }

    /// <summary>A command line as a shell would take it, with paths relative to the repository and the dotnet host by name.</summary>
    private string CommandText(string program, IEnumerable<string> arguments)
    {
        var host = program == BenchPaths.DotnetHost ? "dotnet" : program;
        return string.Join(' ', new[] { host }.Concat(arguments.Select(Relative)).Select(a => a.Any(char.IsWhiteSpace) ? $"'{a}'" : a));
    }

    private string Relative(string argument) =>
        argument.StartsWith(context.Paths.Repository + Path.DirectorySeparatorChar, StringComparison.Ordinal)
            ? Path.GetRelativePath(context.Paths.Repository, argument)
            : argument;

    /// <summary>The CLI's closing line: "done: N added, 0 updated, 0 unchanged, 0 failed in S s (R images/s); M images in the database".</summary>
    [GeneratedRegex(@"done: (?<count>\d+) added, \d+ updated, \d+ unchanged, (?<failed>\d+) failed.* in [\d.]+ s \((?<rate>[\d.]+) images/s\); (?<stored>\d+) images in the database")]
    private static partial Regex OurSummary();

    /// <summary>seed_ingest.py's line: "seed ingest: N images in S s (R images/s), …; M vectors in the database".</summary>
    [GeneratedRegex(@"seed ingest: (?<count>\d+) images in [\d.]+ s \((?<rate>[\d.]+) images/s\).*; (?<stored>\d+) vectors in the database")]
    private static partial Regex SeedSummary();

    [GeneratedRegex(@"\d+")]
    private static partial Regex ImageNumber();

    /// <summary>One of the three ingest set-ups.</summary>
    private sealed record Stack(string Name, bool IsOurs, int Batch, string Database);

    /// <summary>One ingest process: wall time from start to exit, images/s over it, its own loop's images/s, peak RSS.</summary>
    private sealed record IngestRun(Stack Stack, int Repeat, TimeSpan Wall, double Rate, double LoopRate, long PeakRss, string Command);

    /// <summary>One API's one-client run.</summary>
    private sealed record SearchRun(
        bool IsOurs, int Repeat, Distribution Latency, long PeakRss, string Listening, IReadOnlyList<int> Scenes, IReadOnlyList<double> Distances, string Command)
    {
        public string Name => IsOurs ? "ImageFinder (ASP.NET Core, ONNX Runtime)" : "seed (FastAPI + uvicorn, torch)";
    }
}
