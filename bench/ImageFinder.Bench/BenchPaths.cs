using System.Reflection;

namespace ImageFinder.Bench;

/// <summary>Where everything is: the repository, bench/work, the model, RESULTS.md, and the API and CLI builds.</summary>
internal sealed record BenchPaths(string Repository, string Configuration)
{
    public string Bench => Path.Combine(Repository, "bench");

    /// <summary>Generated images and databases (git-ignored).</summary>
    public string Work => Path.Combine(Bench, "work");

    /// <summary>The generated random-weight ResNet-50 and its card (git-ignored).</summary>
    public string ModelPath => Path.Combine(Bench, "models", "resnet50-random.onnx");

    public string ModelScript => Path.Combine(Bench, "make_resnet50_random.py");

    /// <summary>Where the models section finds (and, when missing, exports) the torchvision backbones (git-ignored).</summary>
    public string TorchvisionModels => Path.Combine(Bench, "models", "torchvision");

    public string TorchvisionExporter => Path.Combine(Repository, "models", "export_torchvision.py");

    public string Results => Path.Combine(Bench, "RESULTS.md");

    /// <summary>The API host built by this same build (the bench project references it).</summary>
    public string ApiDll => BuildOutput("ImageFinder.Api");

    /// <summary>The CLI built by this same build (the bench project references it).</summary>
    public string CliDll => BuildOutput("ImageFinder.Cli");

    /// <summary>The dotnet host that runs the API and the CLI as child processes.</summary>
    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    /// <summary>Finds the repository (the folder holding ImageFinder.sln) above the harness's binaries.</summary>
    public static BenchPaths Locate()
    {
        var configuration = typeof(BenchPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "ImageFinder.sln")))
            {
                return new BenchPaths(folder.FullName, configuration);
            }
        }

        throw new InvalidOperationException($"ImageFinder.sln was not found above {AppContext.BaseDirectory}; run the harness from its build output.");
    }

    private string BuildOutput(string project)
    {
        var dll = Path.Combine(Repository, "src", project, "bin", Configuration, "net10.0", "linux-x64", project + ".dll");
        return File.Exists(dll)
            ? dll
            : throw new FileNotFoundException($"{dll} is missing: build with 'dotnet build ImageFinder.sln -c {Configuration}' (dotnet run builds it).", dll);
    }
}
