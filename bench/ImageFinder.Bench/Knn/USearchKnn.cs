using System.Diagnostics;
using System.Runtime.InteropServices;
using Cloud.Unum.USearch;
using ImageFinder.Bench.Support;

namespace ImageFinder.Bench.Knn;

/// <summary>
/// USearch's HNSW index (Cloud.Unum.USearch) over the section's in-memory vectors: squared L2, connectivity
/// (M) 16, expansion_add (ef_construction) 128, vectors stored as f32 or f16 (the library converts the f32 input).
/// Key <c>i + 1</c> for row <c>i</c>, so keys are the store's image ids. Everything goes through the C API
/// (<see cref="USearchNative"/>): the package's C# wrapper cannot reserve capacity, set thread contexts or change
/// ef on a built index. <see cref="Search"/> runs on the caller's thread and sets the index's search expansion
/// (ef) first when it differs from the last call's, so one index serves every ef the section compares.
/// </summary>
internal sealed class USearchKnn : IDisposable
{
    public const int Connectivity = 16;
    public const int ExpansionAdd = 128;

    /// <summary>The library's default ef; <see cref="Search"/> sets its own.</summary>
    private const int InitialExpansionSearch = 64;

    private const int MaxK = 1024;

    private readonly USearchIndexHandle index;
    private readonly int dimension;
    private nuint expansion = InitialExpansionSearch;

    private USearchKnn(USearchIndexHandle index, ScalarKind kind, int dimension, USearchBuildFigures figures)
    {
        this.index = index;
        this.dimension = dimension;
        Kind = kind;
        Figures = figures;
    }

    public ScalarKind Kind { get; }

    /// <summary>"f32" or "f16": how the index stores its vectors.</summary>
    public string KindName => NameOf(Kind);

    public USearchBuildFigures Figures { get; }

    /// <summary>Searches through <see cref="Search"/> (warm-up ones included).</summary>
    public int Searches { get; private set; }

    /// <summary>Of <see cref="Searches"/>, those that returned fewer than k keys (the index holds far more than k).</summary>
    public int ShortAnswers { get; private set; }

    /// <summary>The library's version string (usearch_version).</summary>
    public static string LibraryVersion => USearchNative.Text(USearchNative.Version());

    /// <summary>
    /// Builds the index over every row of <paramref name="vectors"/>: init, reserve room for all rows up front
    /// (growing an index must not overlap any add or search; the package's wrapper, which grows as it adds, crashed
    /// with SIGSEGV on this machine when adds ran beside searches), one thread context per builder (a concurrent
    /// call that finds no free context uses an invalid one), then <paramref name="threads"/> threads each calling
    /// usearch_add for its share of the rows. The C API has no batch add with threads of its own; concurrent single
    /// adds are its way to build on several cores.
    /// </summary>
    /// <param name="vectors">Row-major, <paramref name="dimension"/> floats per row; row <c>i</c> gets key <c>i + 1</c>.</param>
    /// <param name="dimension">Floats per row.</param>
    /// <param name="kind">How the index stores the vectors: <see cref="ScalarKind.Float32"/> or <see cref="ScalarKind.Float16"/>.</param>
    /// <param name="threads">Threads adding at the same time.</param>
    public static USearchKnn Build(float[] vectors, int dimension, ScalarKind kind, int threads)
    {
        var count = vectors.Length / dimension;
        var residentBefore = ProcessMemory.ResidentBytes(Environment.ProcessId) ?? 0;
        var processorBefore = ProcessorTime();
        var stopwatch = Stopwatch.StartNew();
        var index = Create(kind, dimension);
        try
        {
            nint error = 0;
            USearchNative.Reserve(index, (nuint)count, ref error);
            USearchNative.ThrowOnError(error, "reserve");
            USearchNative.ChangeThreadsAdd(index, (nuint)threads, ref error);
            USearchNative.ThrowOnError(error, "change_threads_add");
            USearchNative.ChangeThreadsSearch(index, (nuint)threads, ref error);
            USearchNative.ThrowOnError(error, "change_threads_search");

            var pinned = GCHandle.Alloc(vectors, GCHandleType.Pinned);
            try
            {
                var rows = pinned.AddrOfPinnedObject();
                var added = 0;
                var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads };
                Parallel.For(0, count, parallel, row =>
                {
                    AddRow(index, rows, dimension, row);
                    var done = Interlocked.Increment(ref added);
                    if (done % 20_000 == 0 && done < count)
                    {
                        BenchLog.Info($"knn: USearch {NameOf(kind)}: {done:N0} / {count:N0} added ({stopwatch.Elapsed.TotalSeconds:F0} s)");
                    }
                });
            }
            finally
            {
                pinned.Free();
            }

            stopwatch.Stop();
            var processorTime = ProcessorTime() - processorBefore;
            var size = (long)USearchNative.Size(index, ref error);
            USearchNative.ThrowOnError(error, "size");
            if (size != count)
            {
                throw new InvalidOperationException($"USearch holds {size} vectors after adding {count}.");
            }

            var residentAfter = ProcessMemory.ResidentBytes(Environment.ProcessId) ?? 0;
            var memory = (long)USearchNative.MemoryUsage(index, ref error);
            USearchNative.ThrowOnError(error, "memory_usage");
            var kernels = USearchNative.Text(USearchNative.HardwareAcceleration(index, ref error));
            USearchNative.ThrowOnError(error, "hardware_acceleration");
            var figures = new USearchBuildFigures(count, threads, stopwatch.Elapsed, processorTime, memory, residentAfter - residentBefore, kernels);
            return new USearchKnn(index, kind, dimension, figures);
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    /// <returns>Image ids, nearest first; fewer than <paramref name="k"/> when the library returns fewer.</returns>
    public IReadOnlyList<long> Search(float[] query, int k, int expansionSearch)
    {
        if ((nuint)expansionSearch != expansion)
        {
            SetExpansion(index, expansionSearch);
            expansion = (nuint)expansionSearch;
        }

        var ids = SearchIndex(index, dimension, query, k);
        Searches++;
        if (ids.Length < k && ids.Length < Figures.Count)
        {
            ShortAnswers++;
        }

        return ids;
    }

    /// <summary>
    /// Saves the index to <paramref name="path"/>, loads it into a new index and memory-maps it into another, and
    /// checks that both answer <paramref name="queries"/> exactly as this one does at ef
    /// <paramref name="expansionSearch"/>. The file is deleted afterwards.
    /// </summary>
    public USearchPersistFigures Persist(string path, IReadOnlyList<float[]> queries, int k, int expansionSearch)
    {
        var expected = queries.Select(query => Search(query, k, expansionSearch)).ToList();
        nint error = 0;
        try
        {
            var stopwatch = Stopwatch.StartNew();
            USearchNative.Save(index, path, ref error);
            USearchNative.ThrowOnError(error, "save");
            var save = stopwatch.Elapsed;
            var fileBytes = new FileInfo(path).Length;

            stopwatch.Restart();
            using var loaded = Create(Kind, dimension);
            USearchNative.Load(loaded, path, ref error);
            USearchNative.ThrowOnError(error, "load");
            var load = stopwatch.Elapsed;

            stopwatch.Restart();
            using var viewed = Create(Kind, dimension);
            USearchNative.View(viewed, path, ref error);
            USearchNative.ThrowOnError(error, "view");
            var view = stopwatch.Elapsed;

            SetExpansion(loaded, expansionSearch);
            SetExpansion(viewed, expansionSearch);
            var sameAfterLoad = 0;
            var sameAfterView = 0;
            for (var q = 0; q < queries.Count; q++)
            {
                sameAfterLoad += SearchIndex(loaded, dimension, queries[q], k).SequenceEqual(expected[q]) ? 1 : 0;
                sameAfterView += SearchIndex(viewed, dimension, queries[q], k).SequenceEqual(expected[q]) ? 1 : 0;
            }

            return new USearchPersistFigures(fileBytes, save, load, view, queries.Count, sameAfterLoad, sameAfterView);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public void Dispose() => index.Dispose();

    private static TimeSpan ProcessorTime()
    {
        using var process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    private static string NameOf(ScalarKind kind) => kind == ScalarKind.Float16 ? "f16" : "f32";

    /// <summary>A new empty index with the section's settings, read back to make sure the options struct reached the library intact.</summary>
    private static unsafe USearchIndexHandle Create(ScalarKind kind, int dimension)
    {
        var options = new USearchNative.InitOptions
        {
            MetricKind = MetricKind.L2sq,
            Metric = 0,
            Quantization = kind,
            Dimensions = (nuint)dimension,
            Connectivity = Connectivity,
            ExpansionAdd = ExpansionAdd,
            ExpansionSearch = InitialExpansionSearch,
            Multi = 0,
        };
        nint error = 0;
        var index = USearchNative.Init(&options, ref error);
        try
        {
            USearchNative.ThrowOnError(error, "init");
            if (index.IsInvalid)
            {
                throw new InvalidOperationException("USearch init returned no index.");
            }

            var connectivity = USearchNative.Connectivity(index, ref error);
            var expansionAdd = USearchNative.ExpansionAdd(index, ref error);
            var expansionSearch = USearchNative.ExpansionSearch(index, ref error);
            USearchNative.ThrowOnError(error, "connectivity/expansion_add/expansion_search");
            if (connectivity != Connectivity || expansionAdd != ExpansionAdd || expansionSearch != InitialExpansionSearch)
            {
                throw new InvalidOperationException(
                    $"USearch reports M {connectivity}, expansion_add {expansionAdd}, expansion_search {expansionSearch}; " +
                    $"asked for {Connectivity}, {ExpansionAdd}, {InitialExpansionSearch} (the options struct does not match this library).");
            }

            return index;
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    private static void SetExpansion(USearchIndexHandle index, int expansionSearch)
    {
        nint error = 0;
        USearchNative.ChangeExpansionSearch(index, (nuint)expansionSearch, ref error);
        USearchNative.ThrowOnError(error, "change_expansion_search");
    }

    private static unsafe void AddRow(USearchIndexHandle index, nint rows, int dimension, int row)
    {
        nint error = 0;
        var vector = (float*)rows + ((long)row * dimension);
        USearchNative.Add(index, (ulong)row + 1, vector, ScalarKind.Float32, ref error);
        USearchNative.ThrowOnError(error, "add");
    }

    private static unsafe long[] SearchIndex(USearchIndexHandle index, int dimension, float[] query, int k)
    {
        if (query.Length != dimension)
        {
            // The library would read dimension floats whatever the array holds.
            throw new ArgumentException($"The query has {query.Length} floats; the index has {dimension} dimensions.", nameof(query));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, MaxK);
        var keys = stackalloc ulong[k];
        var distances = stackalloc float[k];
        nint error = 0;
        nuint found;
        fixed (float* vector = query)
        {
            found = USearchNative.Search(index, vector, ScalarKind.Float32, (nuint)k, keys, distances, ref error);
        }

        USearchNative.ThrowOnError(error, "search");
        var ids = new long[(int)found];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = (long)keys[i];
        }

        return ids;
    }
}
