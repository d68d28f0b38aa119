using System.Runtime.InteropServices;
using Cloud.Unum.USearch;

namespace ImageFinder.Bench.Knn;

/// <summary>
/// The few exports of USearch's C API (c/usearch.h, in libusearch_c.so from the Cloud.Unum.USearch package) that the
/// knn section calls directly. The package's C# wrapper (<see cref="USearchIndex"/>) takes connectivity and both
/// expansions only in its constructor and keeps its native handle private, so it cannot change the search
/// expansion (ef) of a built index, reserve capacity up front or set the number of thread contexts: that is what
/// this class is for. The enums are the wrapper's own (<see cref="MetricKind"/>, <see cref="ScalarKind"/>, 32-bit
/// like the C enums). Every call takes a <c>usearch_error_t*</c> that the library sets to a message on failure and
/// leaves alone on success, so callers pass a zeroed one and <see cref="ThrowOnError"/> reads it.
/// </summary>
internal static partial class USearchNative
{
    /// <summary>Resolved by .NET's probing next to the harness's binaries, where the package puts it for linux-x64.</summary>
    private const string Library = "libusearch_c";

    /// <summary>
    /// usearch_init_options_t, field for field: a 32-bit metric enum, the custom metric's function pointer (null:
    /// the built-in one), a 32-bit scalar enum, dimensions, connectivity (M), expansion_add (ef_construction),
    /// expansion_search (ef), and C's one-byte bool multi (several vectors per key).
    /// </summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct InitOptions
    {
        public MetricKind MetricKind;
        public nint Metric;
        public ScalarKind Quantization;
        public nuint Dimensions;
        public nuint Connectivity;
        public nuint ExpansionAdd;
        public nuint ExpansionSearch;
        public byte Multi;
    }

    [LibraryImport(Library, EntryPoint = "usearch_version")]
    public static partial nint Version();

    [LibraryImport(Library, EntryPoint = "usearch_init")]
    public static unsafe partial USearchIndexHandle Init(InitOptions* options, ref nint error);

    /// <summary>Called only by <see cref="USearchIndexHandle"/>.</summary>
    [LibraryImport(Library, EntryPoint = "usearch_free")]
    public static partial void Free(nint index, ref nint error);

    [LibraryImport(Library, EntryPoint = "usearch_reserve")]
    public static partial void Reserve(USearchIndexHandle index, nuint capacity, ref nint error);

    /// <summary>
    /// Thread contexts for concurrent usearch_add calls: each concurrent caller takes one, and a caller that finds none
    /// left uses an invalid one. The library ignores a failed reservation here: no error comes back.
    /// </summary>
    [LibraryImport(Library, EntryPoint = "usearch_change_threads_add")]
    public static partial void ChangeThreadsAdd(USearchIndexHandle index, nuint threads, ref nint error);

    [LibraryImport(Library, EntryPoint = "usearch_change_threads_search")]
    public static partial void ChangeThreadsSearch(USearchIndexHandle index, nuint threads, ref nint error);

    [LibraryImport(Library, EntryPoint = "usearch_change_expansion_add")]
    public static partial void ChangeExpansionAdd(USearchIndexHandle index, nuint expansion, ref nint error);

    [LibraryImport(Library, EntryPoint = "usearch_change_expansion_search")]
    public static partial void ChangeExpansionSearch(USearchIndexHandle index, nuint expansion, ref nint error);

    [LibraryImport(Library, EntryPoint = "usearch_expansion_add")]
    public static partial nuint ExpansionAdd(USearchIndexHandle index, ref nint error);

    [LibraryImport(Library, EntryPoint = "usearch_expansion_search")]
    public static partial nuint ExpansionSearch(USearchIndexHandle index, ref nint error);

    [LibraryImport(Library, EntryPoint = "usearch_connectivity")]
    public static partial nuint Connectivity(USearchIndexHandle index, ref nint error);

    [LibraryImport(Library, EntryPoint = "usearch_size")]
    public static partial nuint Size(USearchIndexHandle index, ref nint error);

    /// <summary>The library's own count of the bytes it holds: graph, vectors, key lookup, reserved tape.</summary>
    [LibraryImport(Library, EntryPoint = "usearch_memory_usage")]
    public static partial nuint MemoryUsage(USearchIndexHandle index, ref nint error);

    /// <summary>The SIMD kernels the metric runs on (for example "haswell", "skylake", "sapphire").</summary>
    [LibraryImport(Library, EntryPoint = "usearch_hardware_acceleration")]
    public static partial nint HardwareAcceleration(USearchIndexHandle index, ref nint error);

    /// <summary><paramref name="vector"/> must hold the index's dimensions of <paramref name="kind"/>: the library reads that many, whatever the caller has.</summary>
    [LibraryImport(Library, EntryPoint = "usearch_add")]
    public static unsafe partial void Add(USearchIndexHandle index, ulong key, void* vector, ScalarKind kind, ref nint error);

    /// <returns>How many of <paramref name="count"/> keys and distances were written, nearest first.</returns>
    [LibraryImport(Library, EntryPoint = "usearch_search")]
    public static unsafe partial nuint Search(
        USearchIndexHandle index, void* query, ScalarKind kind, nuint count, ulong* keys, float* distances, ref nint error);

    [LibraryImport(Library, EntryPoint = "usearch_save", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void Save(USearchIndexHandle index, string path, ref nint error);

    [LibraryImport(Library, EntryPoint = "usearch_load", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void Load(USearchIndexHandle index, string path, ref nint error);

    /// <summary>Memory-maps the file instead of reading it: the index answers from the mapping.</summary>
    [LibraryImport(Library, EntryPoint = "usearch_view", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void View(USearchIndexHandle index, string path, ref nint error);

    /// <exception cref="InvalidOperationException">The call set an error message.</exception>
    public static void ThrowOnError(nint error, string call)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"USearch {call}: {Marshal.PtrToStringUTF8(error)}");
        }
    }

    public static string Text(nint utf8) => Marshal.PtrToStringUTF8(utf8) ?? string.Empty;
}
