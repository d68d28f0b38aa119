using ImageFinder.Bench;
using ImageFinder.Bench.Load;
using ImageFinder.Bench.Sections;
using ImageFinder.Bench.Support;
using ImageFinder.Native;

// The ImageFinder benchmark harness: measures the whole pipeline and writes bench/RESULTS.md.
// bench/README.md explains the sections and the figures.

// The load mode is its own run: the API under sustained concurrent searches; it writes bench/LOAD.md.
if (args.Length > 0 && args[0] == "load")
{
    return await LoadTest.RunAsync(args[1..]);
}

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine("error: " + e.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

if (options.Help)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}

var started = DateTimeOffset.UtcNow;
var othersCpuShare = MachineInfo.OthersCpuShare(TimeSpan.FromSeconds(2));
NativeLibraries.EnsureInstalled();
var paths = BenchPaths.Locate();
Directory.CreateDirectory(paths.Work);
var context = new BenchContext(options, paths, BenchModel.Ensure(paths), MachineInfo.Read());
var results = new ResultsWriter(paths.Results, ResultsPreamble.Build(context, started, othersCpuShare));
BenchLog.Info($"benchmark ({context.Effort.Name}): {ResultsPreamble.CommandLine(context)}; results go to {paths.Results}");

// 1. Embedding throughput: bare ONNX Runtime vs the full ingest path, side by side; batch-1 latency.
if (options.Includes(BenchOptions.Embed))
{
    await results.RunAsync("1. Embedding throughput (embed)", new EmbedBenchmark(context).RunAsync);
}

// 2. Decode + preprocess alone, one thread, per image size.
if (options.Includes(BenchOptions.Decode))
{
    await results.RunAsync("2. Decode + preprocess (decode)", new DecodeBenchmark(context).RunAsync);
}

// 3. Search through HTTP on loopback against the real API host: 1 and 8 clients, per N.
if (options.Includes(BenchOptions.Http))
{
    await results.RunAsync("3. Query latency through HTTP (http)", new HttpBenchmark(context).RunAsync);
}

// 4. KNN alone per N: sqlite-vec exact, brute force in memory, the quantized index and USearch HNSW (build, memory, save/load too).
if (options.Includes(BenchOptions.Knn))
{
    await results.RunAsync("4. KNN alone (knn)", new KnnBenchmark(context).RunAsync);
}

// 5. Peak memory of the CLI ingest and of the API.
if (options.Includes(BenchOptions.Memory))
{
    await results.RunAsync("5. Peak memory (memory)", new MemoryProbe(context).RunAsync);
}

// 6. Which model? Each exported torchvision backbone: bare inference speed and database bytes per image.
if (options.Includes(BenchOptions.Models))
{
    await results.RunAsync("6. Which model? (models)", new ModelsBenchmark(context).RunAsync);
}

// 7. The Python seed's own stack (PIL, torchvision, torch, sqlite-vec in Python, FastAPI + uvicorn) side by side with ours.
if (options.Includes(BenchOptions.Peers))
{
    await results.RunAsync("7. The Python seed side by side (peers)", new PeersBenchmark(context).RunAsync);
}

// 9. The SQLite file against a local Garnet cluster: KNN recall and latency, the copy, memory per vector, CLI ingest and /search.
if (options.Includes(BenchOptions.Garnet))
{
    await results.RunAsync("9. SQLite vs a Garnet cluster (garnet)", new GarnetBenchmark(context).RunAsync);
}

// 10. POST /search/batch with 32 images against 32 single POST /search requests, sequential and concurrent.
if (options.Includes(BenchOptions.Batch))
{
    await results.RunAsync("10. Batch search: one request of 32 images vs 32 single searches (batch)", new BatchBenchmark(context).RunAsync);
}

// 11. Filtered KNN (1 %, 10 %, 50 % of the collection) against the unfiltered search, side by side, with recall.
if (options.Includes(BenchOptions.Filter))
{
    await results.RunAsync("11. Filtered search (filter)", new FilterBenchmark(context).RunAsync);
}

BenchLog.Info($"done: {paths.Results}" + (results.Failures > 0 ? $" ({results.Failures} section(s) FAILED)" : string.Empty));
return results.Failures == 0 ? 0 : 1;
