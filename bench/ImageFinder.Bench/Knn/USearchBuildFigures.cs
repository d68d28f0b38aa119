namespace ImageFinder.Bench.Knn;

/// <summary>How a <see cref="USearchKnn"/> index was built and what it holds.</summary>
/// <param name="Count">Vectors added.</param>
/// <param name="Threads">Threads that called usearch_add at the same time (one thread context each).</param>
/// <param name="Elapsed">usearch_init, the capacity reservation and every add.</param>
/// <param name="ProcessorTime">CPU time the process used meanwhile (all threads): on a shared machine, Elapsed × Threads minus this is time the builders waited for a core.</param>
/// <param name="MemoryUsageBytes">usearch_memory_usage after the build: the library's own count of its allocations.</param>
/// <param name="ResidentGrowthBytes">The process's VmRSS after the build minus before it: what the operating system saw, allocator slack included.</param>
/// <param name="Kernels">usearch_hardware_acceleration: the SIMD kernels the metric runs on.</param>
internal sealed record USearchBuildFigures(
    int Count, int Threads, TimeSpan Elapsed, TimeSpan ProcessorTime, long MemoryUsageBytes, long ResidentGrowthBytes, string Kernels)
{
    public double InsertsPerSecond => Count / Elapsed.TotalSeconds;
}
