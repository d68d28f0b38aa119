using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ImageFinder.Native;

/// <summary>
/// The one place that knows where the native libraries live. They are copied by the build into
/// <c>native/</c> next to the binaries (from the pinned npm packages installed by <c>native/install.sh</c>);
/// <c>IMAGEFINDER_NATIVE_DIR</c> overrides the folder.
/// </summary>
public static class NativeLibraries
{
    public const string InstallCommand = "native/install.sh";
    public const string VipsFile = "libvips-cpp.so.8.18.7";
    public const string SqliteVecFile = "vec0.so";

    /// <summary>The library name used in <c>[LibraryImport]</c> declarations for libvips.</summary>
    internal const string Vips = "vips";

    private static readonly Lazy<IntPtr> VipsHandle = new(() => Load(VipsFile));

    public static string Directory { get; } = ResolveDirectory();

    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "The resolver must be in place before the first P/Invoke into libvips, whichever type makes it.")]
    internal static void RegisterResolver() =>
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraries).Assembly, Resolve);

    /// <summary>Full path of the sqlite-vec loadable extension.</summary>
    public static string SqliteVecPath => RequireFile(SqliteVecFile);

    internal static IntPtr VipsLibrary => VipsHandle.Value;

    /// <summary>Checks that every native library is present, so a host can fail at start-up with one clear message.</summary>
    public static void EnsureInstalled()
    {
        foreach (var file in new[] { VipsFile, SqliteVecFile })
        {
            RequireFile(file);
        }
    }

    internal static IntPtr GetExport(IntPtr library, string name) =>
        NativeLibrary.TryGetExport(library, name, out var address)
            ? address
            : throw new NativeLibraryMissingException($"The native library in {Directory} does not export '{name}'. Reinstall with {InstallCommand} --force.");

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == Vips ? VipsHandle.Value : IntPtr.Zero;

    private static IntPtr Load(string file)
    {
        var path = RequireFile(file);
        try
        {
            return NativeLibrary.Load(path);
        }
        catch (DllNotFoundException e)
        {
            throw new NativeLibraryMissingException($"Could not load {path}: {e.Message}", e);
        }
    }

    private static string RequireFile(string file)
    {
        var path = Path.Combine(Directory, file);
        return File.Exists(path)
            ? path
            : throw new NativeLibraryMissingException(
                $"Native library {file} was not found in {Directory}. Run {InstallCommand} from the repository root and rebuild " +
                "(the README's set-up commands do both), or point IMAGEFINDER_NATIVE_DIR at a folder holding it.");
    }

    private static string ResolveDirectory()
    {
        var overridden = Environment.GetEnvironmentVariable("IMAGEFINDER_NATIVE_DIR");
        return string.IsNullOrWhiteSpace(overridden)
            ? Path.Combine(AppContext.BaseDirectory, "native")
            : Path.GetFullPath(overridden);
    }
}
