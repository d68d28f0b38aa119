using System.Diagnostics;
using System.Text.Json;

namespace ImageFinder.Bench.Support;

/// <summary>
/// The Python seed's stack for the peers section: Debian's /usr/bin/python3 with torch, torchvision, PIL, FastAPI and
/// uvicorn (bench/setup.sh installs them), the scripts in bench/peers/, sqlite-vec's vec0.so from native/, and the
/// weights both stacks share (bench/work/peers/resnet50-seed.{pt,onnx,json}, made once by bench/peers/make_weights.py).
/// </summary>
internal sealed class SeedStack
{
    /// <summary>The Debian packages the seed runs on (bench/setup.sh installs them), reported with their versions.</summary>
    public static readonly IReadOnlyList<string> DebianPackages =
    [
        "python3", "python3-torch", "python3-torchvision", "python3-pil", "python3-numpy", "python3-fastapi",
        "python3-starlette", "python3-uvicorn", "python3-h11", "python3-multipart",
    ];

    private readonly BenchPaths paths;

    public SeedStack(BenchPaths paths)
    {
        this.paths = paths;
        Python = File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    }

    public string Python { get; }

    public string Scripts => Path.Combine(paths.Bench, "peers");

    public string WeightsScript => Path.Combine(Scripts, "make_weights.py");

    public string IngestScript => Path.Combine(Scripts, "seed_ingest.py");

    public string AppScript => Path.Combine(Scripts, "seed_app.py");

    public string VersionsScript => Path.Combine(Scripts, "versions.py");

    /// <summary>bench/work/peers: the shared weights, the ingest folder and both stacks' databases (git-ignored).</summary>
    public string Work => Path.Combine(paths.Work, "peers");

    /// <summary>The state_dict the seed loads.</summary>
    public string StateDict => Path.Combine(Work, "resnet50-seed.pt");

    /// <summary>The same weights as ONNX, what ImageFinder loads; its card is <see cref="Card"/>.</summary>
    public string Onnx => Path.Combine(Work, "resnet50-seed.onnx");

    public string Card => Path.Combine(Work, "resnet50-seed.json");

    /// <summary>sqlite-vec's loadable extension as native/install.sh installs it (the file the builds copy next to our binaries).</summary>
    public string Vec0 => Path.Combine(paths.Repository, "native", "node_modules", "sqlite-vec-linux-x64", "vec0.so");

    /// <summary>
    /// The seed's versions (versions.py: Python, its SQLite, sqlite-vec, torch, torchvision, PIL, FastAPI, Starlette,
    /// uvicorn, python-multipart); fails with what to install when the stack is incomplete.
    /// </summary>
    public IReadOnlyList<(string Name, string Version)> Versions()
    {
        if (!File.Exists(Vec0))
        {
            throw new InvalidOperationException($"{Vec0} is missing: run native/install.sh.");
        }

        var (exitCode, output) = Run([VersionsScript]);
        if (exitCode != 0)
        {
            throw new InvalidOperationException(
                $"The seed's Python stack is incomplete ({Python} {VersionsScript} exit code {exitCode}): run bench/setup.sh " +
                $"(Debian's python3-torch, python3-torchvision, python3-pil, python3-fastapi, python3-uvicorn, python3-multipart). Its output:{Environment.NewLine}{output}");
        }

        // stdout is the JSON line; stderr (warnings, if any) is mixed into the same tail.
        var line = output.Split(Environment.NewLine).LastOrDefault(l => l.StartsWith('{'))
            ?? throw new InvalidOperationException($"{VersionsScript} printed no JSON:{Environment.NewLine}{output}");
        using var json = JsonDocument.Parse(line);
        return json.RootElement.EnumerateObject().Select(p => (p.Name, p.Value.ToString())).ToList();
    }

    /// <summary>The installed versions of <see cref="DebianPackages"/> (dpkg-query), "not installed" for a missing one.</summary>
    public static IReadOnlyList<(string Package, string Version)> DebianVersions()
    {
        var versions = new List<(string, string)>();
        foreach (var package in DebianPackages)
        {
            using var query = ChildProcess.Start("dpkg-query", ["-W", "-f=${Version}", package], Environment.CurrentDirectory);
            query.WaitForExitAsync().GetAwaiter().GetResult();
            versions.Add((package, query.ExitCode == 0 && query.OutputTail.Trim() is { Length: > 0 } version ? version : "not installed"));
        }

        return versions;
    }

    /// <summary>Makes the shared weights with make_weights.py unless bench/work/peers holds them; returns how long it took, or null when they were there.</summary>
    public TimeSpan? EnsureWeights()
    {
        // make_weights.py moves the card into place last: with the card, the other two are complete.
        if (File.Exists(StateDict) && File.Exists(Onnx) && File.Exists(Card))
        {
            return null;
        }

        string[] arguments = [WeightsScript, "--out", Work, "--cli", paths.CliDll];
        BenchLog.Info($"peers: making the shared weights: {Python} {string.Join(' ', arguments)}");
        var stopwatch = Stopwatch.StartNew();
        var (exitCode, output) = Run(arguments);
        if (exitCode != 0)
        {
            throw new InvalidOperationException(
                $"{WeightsScript} failed (exit code {exitCode}); it needs Debian's python3-torch, python3-torchvision, python3-onnx and " +
                $"python3-numpy (bench/setup.sh). Its output:{Environment.NewLine}{output}");
        }

        BenchLog.Info("peers: " + output.Trim().Replace(Environment.NewLine, "; ", StringComparison.Ordinal));
        return stopwatch.Elapsed;
    }

    private (int ExitCode, string Output) Run(IEnumerable<string> arguments)
    {
        using var process = ChildProcess.Start(Python, arguments, paths.Repository);
        process.WaitForExitAsync().GetAwaiter().GetResult();
        return (process.ExitCode, process.OutputTail);
    }
}
