using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using ImageFinder.Imaging;
using ImageFinder.Inference;
using ImageFinder.Tests.Support;
using Microsoft.Data.Sqlite;

namespace ImageFinder.Tests.Foundations;

/// <summary>ImageFinder stands on the official packages: ONNX Runtime, NetVips/libvips and Microsoft.Data.Sqlite, for linux-x64 only.</summary>
public sealed partial class PackageFoundationTests
{
    [Fact]
    public void No_source_file_binds_a_native_library_itself()
    {
        // ONNX Runtime and libvips are owned by their official wrappers; no calling-convention-specific code of ours.
        var offenders = Directory.EnumerateFiles(Path.Combine(Repository.Root, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(path => NativeBinding().IsMatch(File.ReadAllText(path)))
            .Select(path => Path.GetRelativePath(Repository.Root, path))
            .ToList();

        Assert.Empty(offenders);
    }

    [Theory]
    [InlineData("tests/ImageFinder.Tests")]
    [InlineData("src/ImageFinder.Api")]
    [InlineData("src/ImageFinder.Cli")]
    public void No_build_output_holds_a_file_for_another_platform(string project)
    {
        // Microsoft.ML.OnnxRuntime's build props would copy its Windows DLLs into a linux-x64 output.
        var output = project == "tests/ImageFinder.Tests"
            ? AppContext.BaseDirectory
            : Path.Combine(Repository.Root, project, "bin", "Release", "net10.0", "linux-x64");
        Assert.True(Directory.Exists(output), output);

        var foreign = Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories)
            .Where(file => file.EndsWith(".dylib", StringComparison.Ordinal) || (file.EndsWith(".dll", StringComparison.Ordinal) && !IsManaged(file)))
            .Concat(Directory.Exists(Path.Combine(output, "runtimes")) ? [Path.Combine(output, "runtimes")] : [])
            .ToList();

        Assert.Empty(foreign);
        Assert.True(File.Exists(Path.Combine(output, "libonnxruntime.so")), "ONNX Runtime's linux-x64 library is in the output");
        Assert.True(File.Exists(Path.Combine(output, "libvips.so.42")), "libvips' linux-x64 library is in the output");
    }

    [Fact]
    public void The_runtimes_are_the_pinned_versions()
    {
        Assert.Equal("8.18.7", Libvips.Version);
        Assert.StartsWith("1.30.", OnnxSession.RuntimeVersion, StringComparison.Ordinal);
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "select sqlite_version()";
        var version = Version.Parse((string)command.ExecuteScalar()!);
        Assert.True(version >= new Version(3, 53), $"SQLite {version}");
    }

    [GeneratedRegex(@"\bDllImport\b|\bLibraryImport\b|delegate\s*\*\s*unmanaged")]
    private static partial Regex NativeBinding();

    /// <summary>A .NET assembly (it has CLI metadata), as opposed to a native Windows library.</summary>
    private static bool IsManaged(string file)
    {
        using var stream = File.OpenRead(file);
        using var reader = new PEReader(stream);
        return reader.HasMetadata;
    }
}
