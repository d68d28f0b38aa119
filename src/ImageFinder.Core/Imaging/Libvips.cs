using NetVips;

namespace ImageFinder.Imaging;

/// <summary>
/// libvips (through NetVips) set up once for decoding untrusted uploads: no operation cache, one thread per
/// decode, untrusted loaders refused, and libvips' warnings taken off stderr.
/// </summary>
public static class Libvips
{
    private static readonly Lazy<string> Initialized = new(Initialize, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The libvips version (e.g. <c>8.18.7</c>), after setting it up once.</summary>
    public static string Version => Initialized.Value;

    public static void EnsureInitialized() => _ = Initialized.Value;

    private static string Initialize()
    {
        if (!ModuleInitializer.VipsInitialized)
        {
            throw new ImageDecodeException(ImageDecodeFailure.Internal, "libvips failed to initialise.", ModuleInitializer.Exception?.Message);
        }

        // libvips writes a warning for every damaged tile of a hostile upload; the failure itself reaches the
        // caller as an ImageDecodeException, so the warnings are dropped rather than flooding stderr.
        Log.SetLogHandler("VIPS", Enums.LogLevelFlags.Warning, static (_, _, _) => { });
        // Parallelism comes from decoding several images at once, not from threads inside one decode.
        NetVips.NetVips.Concurrency = 1;
        // Every decode is a one-off: an operation cache would only hold memory (and open files).
        Cache.Max = 0;
        Cache.MaxFiles = 0;
        Cache.MaxMem = 0;
        // Loaders libvips marks as unsafe for untrusted input are refused.
        NetVips.NetVips.BlockUntrusted = true;
        return $"{NetVips.NetVips.Version(0)}.{NetVips.NetVips.Version(1)}.{NetVips.NetVips.Version(2)}";
    }
}
