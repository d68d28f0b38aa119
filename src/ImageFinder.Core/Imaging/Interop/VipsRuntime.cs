using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ImageFinder.Imaging.Interop;

/// <summary>One-time libvips start-up with settings suited to decoding untrusted uploads.</summary>
internal static unsafe class VipsRuntime
{
    private const int GLogLevelWarning = 1 << 4;

    private static readonly Lazy<string> Initialized = new(Initialize, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The libvips version, after initialising it once.</summary>
    public static string Version => Initialized.Value;

    public static void EnsureInitialized() => _ = Initialized.Value;

    private static string Initialize()
    {
        if (VipsNative.vips_init("imagefinder") != 0)
        {
            throw new ImageDecodeException(ImageDecodeFailure.Internal, "libvips failed to initialise: " + VipsNative.TakeError());
        }

        // libvips prints a warning to stderr for every damaged tile of a hostile upload; the failure itself
        // reaches the caller as an ImageDecodeException, so the warnings are dropped.
        VipsNative.g_log_set_handler("VIPS", GLogLevelWarning, &DropLogMessage, IntPtr.Zero);
        // Parallelism comes from decoding several images at once, not from threads inside one decode.
        VipsNative.vips_concurrency_set(1);
        // Every decode is a one-off: an operation cache would only hold memory.
        VipsNative.vips_cache_set_max(0);
        // Loaders libvips marks as unsafe for untrusted input are refused.
        VipsNative.vips_block_untrusted_set(1);
        return $"{VipsNative.vips_version(0)}.{VipsNative.vips_version(1)}.{VipsNative.vips_version(2)}";
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void DropLogMessage(byte* domain, int level, byte* message, IntPtr userData)
    {
    }
}
