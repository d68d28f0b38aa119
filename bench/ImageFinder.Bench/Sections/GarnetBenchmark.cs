using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using ImageFinder.Bench.Knn;
using ImageFinder.Bench.Support;
using ImageFinder.Configuration;
using ImageFinder.Index;
using ImageFinder.Storage;
using ImageFinder.Storage.Garnet;

namespace ImageFinder.Bench.Sections;

/// <summary>
/// Section 9: the SQLite file against a local Garnet cluster (<c>docker/garnet/cluster.sh</c>: 3 primaries and a replica),
/// side by side in one run. (1) The synthetic collection of N vectors copied into the cluster with the project's own
/// migration (<see cref="CollectionMigration.CopyAsync"/>, timed), then the same queries, interleaved query by query:
/// <see cref="GarnetStore.SearchAsync(float[], int, CancellationToken)"/> at three search breadths, the in-memory index (<see cref="KnnSearch"/>) over
/// the SQLite file, and sqlite-vec's exact scan for a few; recall@10 against a double-precision scan. (2) The nodes'
/// resident memory before and after the copy, per vector, next to the SQLite file's bytes per vector. (3) The CLI's
/// <c>ingest</c> of one folder into a new SQLite file and into the cluster, alternating. (4) <c>POST /search</c>
/// through the API on each of those two collections, requests alternating between the two servers.
/// Each part that fails is reported in its place; the cluster is stopped whatever happens.
/// </summary>
internal sealed class GarnetBenchmark
{
    public const int K = 10;

    /// <summary>Shard keys of both Garnet collections (the store's default).</summary>
    private const int Shards = 16;

    /// <summary>Each node's main store memory and hash index: the script's defaults (256m, 64m) are too small for 100,000 2048-d vectors.</summary>
    private const string NodeMemory = "2g";

    private const string NodeIndex = "256m";

    /// <summary>The synthetic collection's prefix on the cluster.</summary>
    private const string KnnPrefix = "bench";

    /// <summary>The CLI ingest's prefix (repeat r &gt; 1 gets its own, "ingest-bench-r", so every ingest starts empty).</summary>
    private const string IngestPrefix = "ingest-bench";

    private const int WarmupQueries = 3;

    /// <summary>A copy that writes no batch for this long is stopped and reported as stalled (a node out of memory, or hung).</summary>
    private static readonly TimeSpan CopyStallTimeout = TimeSpan.FromMinutes(2);

    /// <summary>GarnetOptions.SearchEf values compared; the last is the store's default.</summary>
    private static readonly int[] SearchEfs = [50, 100, 200];

    private readonly BenchContext context;

    public GarnetBenchmark(BenchContext context) => this.context = context;

    public async Task RunAsync(ResultsSection section)
    {
        var folder = Path.Combine(context.Paths.Work, "garnet-cluster");
        BenchLog.Info($"garnet: starting the local cluster in {folder}");
        var started = Stopwatch.StartNew();
        var failures = new List<string>();
        await using var cluster = await GarnetCluster.StartAsync(context.Paths.Repository, folder, NodeMemory, NodeIndex);
        try
        {
            BenchLog.Info($"garnet: cluster up in {started.Elapsed.TotalSeconds:F1} s: {cluster.Endpoints}");
            section.Paragraph(
                $"The cluster: `docker/garnet/cluster.sh start` (garnet-server {GarnetVersion(context.Paths.Repository)}, the version " +
                "`.config/dotnet-tools.json` pins), 3 primaries (slots split evenly) and one replica of primary 1, separate processes on " +
                $"127.0.0.1, each with `-m {cluster.NodeMemory} -i {cluster.NodeIndex}` (GARNET_NODE_MEMORY, GARNET_NODE_INDEX), AOF on, vector sets " +
                $"(preview) on; it started in {Format.Seconds(started.Elapsed)} s and is stopped with `cluster.sh stop` at the end. Both Garnet collections have " +
                $"{Shards} shard keys (vector sets spread over the primaries by hash tag), vectors stored unquantized (NOQUANT), graph degree " +
                $"{new GarnetOptions().GraphDegree}; a search asks every shard for its k nearest (VSIM … EF ef) and merges them. Everything " +
                "(the cluster, the harness, the API and the CLI) shares the machine's cores.");

            await PartAsync(section, cluster, failures, "KNN and memory", () => KnnAsync(section, cluster));
            IngestFigures? ingest = null;
            await PartAsync(section, cluster, failures, "ingest", async () => ingest = await IngestAsync(section, cluster));
            if (ingest is not null)
            {
                await PartAsync(section, cluster, failures, "/search through HTTP", () => HttpAsync(section, cluster, ingest));
            }
            else
            {
                section.Paragraph("**/search through HTTP** not measured: it serves the collections the ingest part makes.");
            }
        }
        finally
        {
            BenchLog.Info("garnet: stopping the cluster");
            await cluster.StopAsync();
        }

        if (failures.Count > 0)
        {
            throw new InvalidOperationException($"{failures.Count} part(s) of the garnet section failed (each says why in its place above): {string.Join(", ", failures)}");
        }
    }

    /// <summary>Runs one part; a failure is written in its place (with the nodes' state) and the next part runs.</summary>
    private static async Task PartAsync(ResultsSection section, GarnetCluster cluster, List<string> failures, string name, Func<Task> part)
    {
        try
        {
            await part();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var status = await cluster.StatusAsync();
            BenchLog.Info($"garnet: {name} FAILED: {e}{Environment.NewLine}{status}{Environment.NewLine}{cluster.LogTails()}");
            failures.Add(name);
            section.Paragraph($"**{name} FAILED**: {e.GetType().Name}: {e.Message}");
            section.Paragraph("The cluster then (`cluster.sh status`):" + Environment.NewLine + Environment.NewLine + "```" + Environment.NewLine + status + Environment.NewLine + "```");
        }
    }

    private GarnetOptions Options(GarnetCluster cluster, string prefix, int searchEf) => new()
    {
        Endpoints = cluster.Endpoints,
        Prefix = prefix,
        Shards = Shards,
        SearchEf = searchEf,
    };

    /// <summary>Part 1 and 2: the copy (timed), the nodes' memory around it, then every method on the same queries.</summary>
    private async Task KnnAsync(ResultsSection section, GarnetCluster cluster)
    {
        var n = context.Options.GarnetCount;
        var vectors = new SyntheticVectors();
        var fill = await SyntheticCollection.EnsureAsync(context.Paths.Work, context.Collection, vectors, n);
        var fileBytes = new FileInfo(fill.Database).Length;
        section.Paragraph(
            $"**KNN at N = {Format.Count(n)}**: the knn section's synthetic collection (`{Path.GetFileName(fill.Database)}`, " +
            $"{Format.MiB((long)n * SyntheticVectors.Dimension * sizeof(float))} MiB of float32 vectors; section 4 describes them) copied into the " +
            $"cluster under the prefix `{KnnPrefix}` with the project's migration, `CollectionMigration.CopyAsync(StoredCollection.Open(file), " +
            $"GarnetStore)` (what `migrate --to garnet` runs: batches of {CollectionMigration.BatchSize}, the images of a batch written side by side, " +
            "each its VADD then its row's transaction), timed from the call to its return.");

        var before = cluster.ResidentBytes();
        var copyOptions = Options(cluster, KnnPrefix, SearchEfs[^1]);
        using var source = StoredCollection.Open(fill.Database);
        using var garnet = await GarnetStore.OpenAsync(copyOptions, source.Collection);
        var progress = new CopyProgress(n);
        BenchLog.Info($"garnet: copying {n:N0} vectors into the cluster (prefix {KnnPrefix}, {Shards} shards)");
        var stopwatch = Stopwatch.StartNew();
        Exception? copyError = null;
        MigrationSummary? summary = null;
        try
        {
            summary = await CopyWatchedAsync(source, garnet, progress);
            if (summary.TargetCount != n)
            {
                throw new InvalidOperationException($"The copy reported {summary.Copied} copied, but the cluster holds {summary.TargetCount} images, not {n}.");
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            copyError = e;
        }

        stopwatch.Stop();
        var after = cluster.ResidentBytes();
        var copied = summary?.Copied ?? progress.Done;
        var rate = copied / stopwatch.Elapsed.TotalSeconds;
        BenchLog.Info($"garnet: copy {(copyError is null ? "done" : "FAILED")}: {copied:N0} vectors in {stopwatch.Elapsed.TotalSeconds:F1} s ({rate:F0} vectors/s)");
        section.Table(new MarkdownTable("copy", "vectors", "seconds", "vectors/s", "result")
            .Row(
                $"SQLite file → Garnet prefix `{KnnPrefix}`, {Shards} shards",
                Format.Count(copied),
                Format.Seconds(stopwatch.Elapsed),
                Format.Rate(rate),
                copyError is null ? "complete" : $"**FAILED** after {Format.Count(copied)} of {Format.Count(n)}"));
        if (copyError is not null)
        {
            section.Paragraph(MemoryCaption(n, copied));
            section.Table(MemoryTable(cluster, before, after, copied, fill.Database, fileBytes, n, null));
            throw new InvalidOperationException($"The copy into the cluster failed after {copied} of {n} vectors: {copyError.Message}", copyError);
        }

        // The queries and their exact answers (not timed): the knn section's, with its double-precision ground truth.
        var queryCount = context.Effort.GarnetQueries;
        var exactCount = Math.Min(context.Effort.GarnetExactQueries, queryCount);
        BenchLog.Info($"garnet: N = {n:N0}: generating the vectors in memory and the exact answers of {queryCount} queries");
        var queries = Enumerable.Range(0, queryCount).Select(q => vectors.Query(q, n)).ToArray();
        var truth = ExactAnswers(vectors, n, queries);

        BenchLog.Info("garnet: loading (or building) the in-memory index over the SQLite file");
        using var store = VectorStore.Open(fill.Database, context.Collection);
        using var knn = new KnnSearch(store, new KnnOptions());
        await knn.WarmAsync();
        var indexBytes = knn.Status.MemoryBytes;
        await knn.SearchAsync(queries[0], K);
        var mode = knn.LastMode;

        var others = new List<GarnetStore>();
        try
        {
            var methods = new List<Method>();
            foreach (var ef in SearchEfs)
            {
                var atEf = ef == copyOptions.SearchEf ? garnet : await OpenAsync(cluster, ef, source.Collection, others);
                var name = $"Garnet cluster: `GarnetStore.SearchAsync`, {Shards} shards, SearchEf {ef}" + (ef == new GarnetOptions().SearchEf ? " (default)" : string.Empty);
                methods.Add(new Method(name, queryCount, query => atEf.SearchAsync(query, K)));
            }

            methods.Add(new Method($"SQLite file: in-memory index (`KnnSearch`, Auto → {mode}, the API's default)", queryCount, query => knn.SearchAsync(query, K)));
            methods.Add(new Method("SQLite file: sqlite-vec exact scan (`VectorStore.SearchAsync`)", exactCount, query => store.SearchAsync(query, K)));
            var reference = methods.Count - 2;

            for (var q = 0; q < WarmupQueries; q++)
            {
                var warmup = vectors.Query(1_000_000 + q, n);
                foreach (var method in methods)
                {
                    await method.Search(warmup);
                }
            }

            BenchLog.Info($"garnet: N = {n:N0}: {queryCount} queries × {methods.Count} methods ({exactCount} for sqlite-vec)");
            for (var q = 0; q < queryCount; q++)
            {
                foreach (var method in methods.Where(m => q < m.Queries))
                {
                    var timer = Stopwatch.StartNew();
                    var hits = await method.Search(queries[q]);
                    method.Times.Add(timer.Elapsed.TotalMilliseconds);
                    method.Recalls.Add(hits.Select(hit => hit.Id).Take(K).Intersect(truth[q]).Count() / (double)K);
                }

                if (q % 50 == 49)
                {
                    BenchLog.Info($"garnet: {q + 1} / {queryCount} queries");
                }
            }

            var referenceP50 = Distribution.Of(methods[reference].Times).P50;
            var table = new MarkdownTable("method", "queries", "p50 ms", "p95 ms", "mean ms", "recall@10", "p50 ÷ in-memory index p50");
            foreach (var method in methods)
            {
                var latency = Distribution.Of(method.Times);
                BenchLog.Info($"garnet: {method.Name}: p50 {latency.P50:F2} ms, p95 {latency.P95:F2} ms, recall {method.Recalls.Average():F3}");
                table.Row(
                    method.Name,
                    latency.Count.ToString(CultureInfo.InvariantCulture),
                    Format.Ms(latency.P50),
                    Format.Ms(latency.P95),
                    Format.Ms(latency.Mean),
                    method.Recalls.Average().ToString("F3", CultureInfo.InvariantCulture),
                    Format.Ratio(latency.P50 / referenceP50) + "×");
            }

            section.Paragraph(
                $"The same {queryCount} queries (the knn section's: stored vectors plus N(0, 0.05²) noise) through every method, interleaved " +
                $"query by query, one at a time, {WarmupQueries} untimed queries per method first; sqlite-vec's exact scan answers only the " +
                $"first {exactCount} (it reads every vector). Recall@10 is against a double-precision scan of all N vectors in memory. " +
                "SearchEf only changes the search (each row is its own `GarnetStore` on the same prefix), not the data. The Garnet latency " +
                $"is the client's: {Shards} VSIM calls sent at once, merged, then one read of each candidate's row (its source) in one round trip.");
            section.Table(table);
        }
        finally
        {
            foreach (var other in others)
            {
                other.Dispose();
            }
        }

        section.Paragraph(MemoryCaption(n, n));
        section.Table(MemoryTable(cluster, before, after, n, fill.Database, fileBytes, n, indexBytes));
    }

    /// <summary>Each query's exact top k over the N vectors regenerated in memory (dropped afterwards), one query per core at a time.</summary>
    private static long[][] ExactAnswers(SyntheticVectors vectors, int n, float[][] queries)
    {
        var data = vectors.Rows(n);
        var truth = new long[queries.Length][];
        Parallel.For(0, queries.Length, q => truth[q] = ExactNeighbours.Find(data, SyntheticVectors.Dimension, queries[q], K));
        return truth;
    }

    private async Task<GarnetStore> OpenAsync(GarnetCluster cluster, int ef, CollectionInfo collection, List<GarnetStore> opened)
    {
        var store = await GarnetStore.OpenAsync(Options(cluster, KnnPrefix, ef), collection);
        opened.Add(store);
        return store;
    }

    /// <summary>The migration, stopped when it writes no batch for <see cref="CopyStallTimeout"/> (it must not hang the run).</summary>
    private static async Task<MigrationSummary> CopyWatchedAsync(StoredCollection source, GarnetStore target, CopyProgress progress)
    {
        using var stall = new CancellationTokenSource();
        var copy = CollectionMigration.CopyAsync(source, target, progress, stall.Token);
        while (!copy.IsCompleted)
        {
            await Task.WhenAny(copy, Task.Delay(TimeSpan.FromSeconds(5)));
            if (!copy.IsCompleted && progress.SinceLastBatch > CopyStallTimeout)
            {
                stall.Cancel();
                try
                {
                    await copy;
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // Reported below as the stall it is.
                }

                throw new TimeoutException($"The copy wrote no batch for {CopyStallTimeout.TotalSeconds:F0} s (at {progress.Done} of {progress.Total} vectors) and was stopped.");
            }
        }

        return await copy;
    }

    private static string MemoryCaption(int n, int copied) =>
        $"**Memory per vector.** VmRSS of each garnet-server process (/proc/PID/status, the pids cluster.sh wrote) just before and just after " +
        $"the copy of {Format.Count(copied)} vectors, the growth divided by that count; beside it the SQLite file's size per vector (its " +
        $"vec0 table, image rows and indexes) and the in-memory index the API keeps over it. The raw vector is {SyntheticVectors.Dimension * sizeof(float):N0} " +
        "bytes. The replica holds a copy of primary 1's share (about a third), so the 4-node total counts that third twice; " +
        "Garnet's RSS also holds its log's pages and the .NET heap, sized by -m and the garbage collector more than by the data." +
        (copied < n ? $" The copy failed: the figures are for the {Format.Count(copied)} vectors copied." : string.Empty);

    private static MarkdownTable MemoryTable(GarnetCluster cluster, IReadOnlyList<long?> before, IReadOnlyList<long?> after, int copied, string database, long fileBytes, int n, long? indexBytes)
    {
        var sqlitePerVector = fileBytes / (double)n;
        var table = new MarkdownTable("measure", "before MiB", "after MiB", "growth MiB", "bytes/vector", "÷ SQLite file bytes/vector");
        table.Row($"SQLite file `{Path.GetFileName(database)}` (on disk, {Format.Count(n)} vectors)", "—", Format.MiB(fileBytes), "—", PerVector(fileBytes, n), "1.00×");
        if (indexBytes is { } index)
        {
            table.Row("SQLite side: the in-memory index over it (`KnnSearch`, 8-bit codes, cells)", "—", Format.MiB(index), "—", PerVector(index, n), Format.Ratio(index / (double)n / sqlitePerVector) + "×");
        }

        long primaries = 0, all = 0;
        var complete = true;
        for (var i = 0; i < cluster.Nodes.Count; i++)
        {
            var node = cluster.Nodes[i];
            var role = node.IsReplica ? "replica of node 1" : "primary";
            if (before[i] is not { } from || after[i] is not { } to)
            {
                complete = false;
                table.Row($"Garnet node {node.Number} ({role}) VmRSS", Mib(before[i]), Mib(after[i]), "gone", "—", "—");
                continue;
            }

            var growth = to - from;
            all += growth;
            primaries += node.IsReplica ? 0 : growth;
            table.Row($"Garnet node {node.Number} ({role}) VmRSS", Format.MiB(from), Format.MiB(to), Format.MiB(growth), PerVector(growth, copied), Format.Ratio(growth / (double)copied / sqlitePerVector) + "×");
        }

        if (complete)
        {
            table.Row("Garnet: the 3 primaries' growth", "—", "—", Format.MiB(primaries), PerVector(primaries, copied), Format.Ratio(primaries / (double)copied / sqlitePerVector) + "×");
            table.Row("Garnet: all 4 nodes' growth (replica included)", "—", "—", Format.MiB(all), PerVector(all, copied), Format.Ratio(all / (double)copied / sqlitePerVector) + "×");
        }

        return table;
    }

    private static string Mib(long? bytes) => bytes is { } value ? Format.MiB(value) : "gone";

    private static string PerVector(long bytes, int n) => n == 0 ? "—" : (bytes / (double)n).ToString("F0", CultureInfo.InvariantCulture);

    /// <summary>Part 3: the CLI's ingest of one folder into a fresh SQLite file and into a fresh Garnet prefix, alternating.</summary>
    private async Task<IngestFigures> IngestAsync(ResultsSection section, GarnetCluster cluster)
    {
        var images = context.Options.GarnetImages;
        var folder = context.Images.Folder(TestImageFactory.Small, images, "garnet");
        var database = Path.Combine(context.Paths.Work, "garnet-ingest.db");
        var runs = new Dictionary<string, List<IngestRun>> { [StoreKinds.Sqlite] = [], [StoreKinds.Garnet] = [] };
        var ratios = new List<double>();
        var jobRatios = new List<double>();
        for (var repeat = 1; repeat <= context.Effort.Repeats; repeat++)
        {
            var prefix = repeat == 1 ? IngestPrefix : $"{IngestPrefix}-{repeat.ToString(CultureInfo.InvariantCulture)}";
            var order = repeat % 2 == 1 ? new[] { StoreKinds.Sqlite, StoreKinds.Garnet } : [StoreKinds.Garnet, StoreKinds.Sqlite];
            foreach (var kind in order)
            {
                var run = kind == StoreKinds.Sqlite
                    ? await IngestOnceAsync(folder, images, database, new Dictionary<string, string> { ["ImageFinder__Store"] = StoreKinds.Sqlite })
                    : await IngestOnceAsync(folder, images, null, new Dictionary<string, string>
                    {
                        ["ImageFinder__Store"] = StoreKinds.Garnet,
                        ["ImageFinder__Garnet__Endpoints"] = cluster.Endpoints,
                        ["ImageFinder__Garnet__Prefix"] = prefix,
                        ["ImageFinder__Garnet__Shards"] = Shards.ToString(CultureInfo.InvariantCulture),
                    });
                runs[kind].Add(run);
                BenchLog.Info($"garnet: repeat {repeat}: CLI ingest of {images} images into {(kind == StoreKinds.Sqlite ? "SQLite" : "Garnet " + prefix)}: {run.Rate:F2} images/s ({run.Seconds:F1} s, process included), job loop {run.JobRate:F2} images/s");
            }

            ratios.Add(runs[StoreKinds.Garnet][^1].Rate / runs[StoreKinds.Sqlite][^1].Rate);
            jobRatios.Add(runs[StoreKinds.Garnet][^1].JobRate / runs[StoreKinds.Sqlite][^1].JobRate);
        }

        section.Paragraph(
            $"**Ingest**: the CLI as a user runs it, `ImageFinder.Cli ingest --folder F --model M --threads {context.Threads} --batch-size {context.BatchSize}` " +
            $"over {images} 640x480 JPEGs (the test scenes repeated under different names), into a fresh SQLite file (`--db`) and into the " +
            $"cluster (`ImageFinder__Store=garnet`, `ImageFinder__Garnet__Endpoints`, a fresh `ImageFinder__Garnet__Prefix`: `{IngestPrefix}` in the " +
            $"first repeat, `{IngestPrefix}-R` after), same model and threads. {context.Effort.Repeats} repeat(s), the order alternating " +
            "(SQLite first, then Garnet first); whole process is from starting it to its exit (host, model load, scan, every vector " +
            "written), job loop is the CLI's own figure (its ingest loop alone). Medians; the ratio is the median of each repeat's.");
        var table = new MarkdownTable("store", "images", "process s (median)", "images/s, whole process (median; each repeat)", "images/s, job loop (median)");
        foreach (var (kind, label) in new[] { (StoreKinds.Sqlite, "SQLite file"), (StoreKinds.Garnet, "Garnet cluster") })
        {
            var list = runs[kind];
            table.Row(
                label,
                images.ToString(CultureInfo.InvariantCulture),
                Format.Seconds(Distribution.Of(list.Select(r => r.Seconds)).P50),
                $"{Format.Rate(Distribution.Of(list.Select(r => r.Rate)).P50)} ({string.Join(", ", list.Select(r => Format.Rate(r.Rate)))})",
                Format.Rate(Distribution.Of(list.Select(r => r.JobRate)).P50));
        }

        table.Row(
            "ratio Garnet ÷ SQLite",
            "—",
            "—",
            $"{Format.Ratio(Distribution.Of(ratios).P50)}× ({string.Join(", ", ratios.Select(Format.Ratio))})",
            Format.Ratio(Distribution.Of(jobRatios).P50) + "×");
        section.Table(table);
        return new IngestFigures(database, IngestPrefix, images);
    }

    /// <summary>One CLI ingest process: into <paramref name="database"/>, or into the store the environment names.</summary>
    private async Task<IngestRun> IngestOnceAsync(string folder, int images, string? database, IReadOnlyDictionary<string, string> environment)
    {
        List<string> arguments =
        [
            context.Paths.CliDll, "ingest", "--folder", folder, "--model", context.Model.Path,
            "--threads", context.Threads.ToString(CultureInfo.InvariantCulture), "--batch-size", context.BatchSize.ToString(CultureInfo.InvariantCulture),
        ];
        if (database is not null)
        {
            WorkFiles.DeleteDatabase(database);
            arguments.AddRange(["--db", database]);
        }

        // Bounded: a job that stops making progress (a store that stopped answering is an error; this covers a hang).
        var limit = TimeSpan.FromSeconds(120 + (images * 3));
        var stopwatch = Stopwatch.StartNew();
        using var cli = ChildProcess.Start(BenchPaths.DotnetHost, arguments, context.Paths.Work, environment);
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await cli.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            await cli.StopAsync();
            throw new TimeoutException($"The CLI ingest did not finish within {limit.TotalSeconds:F0} s:{Environment.NewLine}{cli.OutputTail}");
        }

        stopwatch.Stop();
        var done = Regex.Match(cli.OutputTail, @"done: (\d+) added, .* in [\d.]+ s \(([\d.]+) images/s\)");
        if (cli.ExitCode != 0 || !done.Success || done.Groups[1].Value != images.ToString(CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException($"The CLI ingest {(database is null ? "into the cluster" : "into " + database)} failed (exit code {cli.ExitCode}):{Environment.NewLine}{cli.OutputTail}");
        }

        return new IngestRun(stopwatch.Elapsed.TotalSeconds, images / stopwatch.Elapsed.TotalSeconds, double.Parse(done.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>Part 4: one client, requests alternating between the API on the SQLite file and the API on the cluster.</summary>
    private async Task HttpAsync(ResultsSection section, GarnetCluster cluster, IngestFigures ingest)
    {
        var queries = context.Images.Sources(TestImageFactory.Small);
        BenchLog.Info("garnet: starting the API on the SQLite file and the API on the cluster");
        await using var sqlite = await ApiServer.StartAsync(context, ingest.Database, ingest.Images);
        await using var garnet = await ApiServer.StartAsync(
            context,
            Path.Combine(context.Paths.Work, "garnet-api-unused.db"),
            ingest.Images,
            new Dictionary<string, string>
            {
                ["Store"] = StoreKinds.Garnet,
                ["Garnet__Endpoints"] = cluster.Endpoints,
                ["Garnet__Prefix"] = ingest.Prefix,
            });
        var servers = new[] { sqlite, garnet };
        var clients = servers.Select(server => queries.Select(image => new SearchClient(server.Address, image, K)).ToArray()).ToArray();
        try
        {
            var warmup = Math.Max(context.Effort.HttpWarmupRequests, queries.Count);
            for (var i = 0; i < warmup; i++)
            {
                foreach (var perServer in clients)
                {
                    await perServer[i % queries.Count].SearchAsync();
                }
            }

            var requests = context.Effort.GarnetHttpRequests;
            var timings = servers.Select(_ => new List<SearchTiming>(requests)).ToArray();
            BenchLog.Info($"garnet: {requests} /search requests per API, alternating");
            for (var i = 0; i < requests; i++)
            {
                // Alternate which server goes first, so neither always follows the other.
                foreach (var s in i % 2 == 0 ? new[] { 0, 1 } : [1, 0])
                {
                    timings[s].Add(await clients[s][i % queries.Count].SearchAsync());
                }
            }

            var sqliteP50 = Distribution.Of(timings[0].Select(t => t.Latency)).P50;
            var table = new MarkdownTable("API serving", "requests", "p50 ms", "p95 ms", "mean ms", "server KNN p50 ms (Server-Timing)", "server inference p50 ms", "p50 ÷ SQLite p50");
            foreach (var (label, s) in new[] { ($"SQLite file (`{Path.GetFileName(ingest.Database)}`)", 0), ($"Garnet cluster (prefix `{ingest.Prefix}`)", 1) })
            {
                var latency = Distribution.Of(timings[s].Select(t => t.Latency));
                BenchLog.Info($"garnet: /search on {label}: p50 {latency.P50:F1} ms, p95 {latency.P95:F1} ms");
                table.Row(
                    label,
                    latency.Count.ToString(CultureInfo.InvariantCulture),
                    Format.Ms(latency.P50),
                    Format.Ms(latency.P95),
                    Format.Ms(latency.Mean),
                    Format.Ms(Distribution.Of(timings[s].Select(t => t.Knn)).P50),
                    Format.Ms(Distribution.Of(timings[s].Select(t => t.Inference)).P50),
                    Format.Ratio(latency.P50 / sqliteP50) + "×");
            }

            section.Paragraph(
                $"**/search through HTTP**: `POST /search?k={K}` with the {queries.Count} distinct 640x480 test JPEGs in turn, to two API processes " +
                $"(`dotnet ImageFinder.Api.dll`, Production, Kestrel on 127.0.0.1, {context.Threads} intra-op threads, MaxBatchSize {context.BatchSize}) " +
                $"running at once: one on the ingest part's SQLite file, one on its Garnet collection (`ImageFinder:Store=garnet`, prefix `{ingest.Prefix}`), " +
                $"each holding the same {ingest.Images} images. One client; {warmup} untimed requests per API first, then {requests} per API, " +
                "alternating between the two (which goes first alternates too). Latency is the client's, from sending the request to reading the " +
                "whole answer; server KNN is the API's own Server-Timing figure for the search.");
            section.Table(table);
        }
        finally
        {
            foreach (var client in clients.SelectMany(perServer => perServer))
            {
                client.Dispose();
            }
        }
    }

    /// <summary>The garnet-server version .config/dotnet-tools.json pins.</summary>
    public static string GarnetVersion(string repository)
    {
        try
        {
            var manifest = File.ReadAllText(Path.Combine(repository, ".config", "dotnet-tools.json"));
            using var json = System.Text.Json.JsonDocument.Parse(manifest);
            return json.RootElement.GetProperty("tools").GetProperty("garnet-server").GetProperty("version").GetString() ?? "unknown";
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException or KeyNotFoundException)
        {
            return "unknown";
        }
    }

    /// <summary>A KNN method of the comparison, with its timings and recalls.</summary>
    private sealed record Method(string Name, int Queries, Func<float[], Task<IReadOnlyList<SearchHit>>> Search)
    {
        public List<double> Times { get; } = [];

        public List<double> Recalls { get; } = [];
    }

    /// <summary>One CLI ingest: whole-process seconds and images/s, and the CLI's own job-loop rate.</summary>
    private sealed record IngestRun(double Seconds, double Rate, double JobRate);

    /// <summary>The ingest part's two collections: the SQLite file and the Garnet prefix, each of <see cref="Images"/> images.</summary>
    private sealed record IngestFigures(string Database, string Prefix, int Images);

    /// <summary>The migration's progress: logged every 10 s; the time of the last batch tells a stall.</summary>
    private sealed class CopyProgress(int total) : IProgress<MigrationProgress>
    {
        private readonly Stopwatch sinceStart = Stopwatch.StartNew();
        private long lastBatchTicks;
        private double lastLogSeconds;
        private int done;

        public int Total => total;

        public int Done => Volatile.Read(ref done);

        public TimeSpan SinceLastBatch => sinceStart.Elapsed - TimeSpan.FromTicks(Interlocked.Read(ref lastBatchTicks));

        public void Report(MigrationProgress value)
        {
            Volatile.Write(ref done, value.Done);
            Interlocked.Exchange(ref lastBatchTicks, sinceStart.Elapsed.Ticks);
            var seconds = sinceStart.Elapsed.TotalSeconds;
            if (seconds - lastLogSeconds >= 10 || value.Done == value.Total)
            {
                lastLogSeconds = seconds;
                BenchLog.Info($"garnet: copied {value.Done:N0} / {value.Total:N0} ({value.Done / seconds:F0} vectors/s)");
            }
        }
    }
}
