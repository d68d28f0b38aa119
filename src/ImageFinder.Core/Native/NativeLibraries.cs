namespace ImageFinder.Native;

/// <summary>
/// The one place that knows where a native file of ours lives: sqlite-vec's loadable extension (<c>vec0.so</c>),
/// which no NuGet package ships, so it comes from its pinned npm package (<c>native/install.sh</c>) and the build
/// copies it into <c>native/</c> next to the binaries; <c>IMAGEFINDER_NATIVE_DIR</c> overrides the folder. ONNX
/// Runtime, libvips and SQLite itself come with their NuGet packages and are found by .NET's own resolver.
/// </summary>
public static class NativeLibraries
{
    public const string InstallCommand = "native/install.sh";
    public const string SqliteVecFile = "vec0.so";

    public static string Directory { get; } = ResolveDirectory();

    /// <summary>Full path of the sqlite-vec loadable extension.</summary>
    public static string SqliteVecPath => RequireFile(SqliteVecFile);

    /// <summary>Checks that every native file of ours is present, so a host can fail at start-up with one clear message.</summary>
    public static void EnsureInstalled() => RequireFile(SqliteVecFile);

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
