using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ImageFinder.Tests.Support;

/// <summary>
/// Compiles C# sources with Roslyn into an assembly loaded in this process, against the assemblies this test process
/// runs on (the framework, ASP.NET, the test's packages) and the test assembly itself.
/// </summary>
public static class InMemoryCompiler
{
    private static readonly Lazy<IReadOnlyList<MetadataReference>> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append(typeof(InMemoryCompiler).Assembly.Location)
            .Distinct(StringComparer.Ordinal)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToList());

    /// <summary>The compiled assembly.</summary>
    /// <exception cref="InvalidOperationException">The sources do not compile; the message lists every error with its line.</exception>
    public static Assembly Compile(string assemblyName, params (string Name, string Source)[] sources)
    {
        var trees = sources.Select(source => CSharpSyntaxTree.ParseText(
            source.Source, new CSharpParseOptions(LanguageVersion.Latest), path: source.Name)).ToList();
        var compilation = CSharpCompilation.Create(
            assemblyName,
            trees,
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Annotations));

        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        if (!result.Success)
        {
            var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString());
            throw new InvalidOperationException($"{assemblyName} does not compile:{Environment.NewLine}{string.Join(Environment.NewLine, errors)}");
        }

        image.Position = 0;
        return new AssemblyLoadContext(assemblyName, isCollectible: true).LoadFromStream(image);
    }
}
