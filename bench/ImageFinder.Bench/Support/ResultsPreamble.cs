using System.Globalization;
using System.Text;
using System.Text.Json;
using ImageFinder.Bench.Knn;
using ImageFinder.Bench.Sections;
using ImageFinder.Inference;

namespace ImageFinder.Bench.Support;

/// <summary>The top of RESULTS.md: how to reproduce, when, where, with what.</summary>
internal static class ResultsPreamble
{
    public const string Usage = "dotnet run -c Release --project bench/ImageFinder.Bench -- [--quick] [--only <section>] [--n 10000,100000]";

    /// <summary>When other processes used more than this share of the CPU just before the start, RESULTS.md warns at the top.</summary>
    private const double BusyShare = 0.15;

    public static string Build(BenchContext context, DateTimeOffset started, double othersCpuShare)
    {
        var options = context.Options;
        var machine = context.Machine;
        var text = new StringBuilder();
        text.AppendLine("# ImageFinder benchmark results").AppendLine();
        var notes = new List<string>();
        if (options.Quick)
        {
            notes.Add("**Quick run** (`--quick`): fewer repetitions and shorter runs, to check the harness. Not the reference figures.");
        }

        if (options.Note is { } note)
        {
            notes.Add($"**{note}**");
        }

        if (othersCpuShare > BusyShare)
        {
            notes.Add(
                $"**Busy machine**: other processes used {Percent(othersCpuShare)} of the CPU just before the run started; " +
                "every figure is slower and noisier than on a quiet machine.");
        }

        if (notes.Count > 0)
        {
            text.AppendJoin(Environment.NewLine + ">" + Environment.NewLine, notes.Select(n => "> " + n)).AppendLine().AppendLine();
        }

        text.AppendLine("Reproduce from the repository root (bench/README.md explains the options and every figure):").AppendLine();
        text.AppendLine("```bash").AppendLine(Usage).AppendLine("```").AppendLine();

        text.AppendLine("## Run").AppendLine();
        text.Append(new MarkdownTable("item", "value")
            .Row("date (UTC)", started.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture))
            .Row("command", $"`{CommandLine(context)}`")
            .Row("mode", options.Quick ? "quick" : "full")
            .Row("sections", string.Join(", ", options.Sections))
            .Row("collection sizes N (http, knn)", string.Join(", ", options.VectorCounts.Select(n => Format.Count(n))))
            .Row("garnet section: vectors copied, images ingested", options.Includes(BenchOptions.Garnet) ? $"{Format.Count(options.GarnetCount)}, {Format.Count(options.GarnetImages)}" : "not run")
            .Row("source", Git(context.Paths.Repository))
            .Row("CPU used by other processes just before the start", double.IsNaN(othersCpuShare) ? "unknown" : Percent(othersCpuShare))
            .Row("load average at start (1, 5, 15 min; includes the build dotnet run just did)", MachineInfo.LoadAverage())).AppendLine();

        text.AppendLine("## Machine and software").AppendLine();
        text.Append(new MarkdownTable("item", "value")
            .Row("CPU", machine.Cpu)
            .Row("cores", machine.Cores.ToString(CultureInfo.InvariantCulture))
            .Row("SIMD", $"avx2: {YesNo(machine.Avx2)}, avx512f: {YesNo(machine.Avx512F)}, avx512_vpopcntdq: {YesNo(machine.Avx512Vpopcntdq)}; .NET Vector512 accelerated: {YesNo(machine.Vector512Accelerated)}")
            .Row("memory", $"{machine.MemoryGiB.ToString("F1", CultureInfo.InvariantCulture)} GiB")
            .Row("OS", machine.OperatingSystem)
            .Row(".NET", machine.Dotnet)
            .Row("ONNX Runtime", OnnxSession.RuntimeVersion)
            .Row("libvips (NetVips.Native.linux-x64)", ImageFinder.Imaging.Libvips.Version)
            .Row("sqlite-vec (npm package)", NativePackages(context.Paths.Repository))
            .Row("Garnet (garnet-server tool, garnet section only)", context.Options.Includes(BenchOptions.Garnet) ? GarnetBenchmark.GarnetVersion(context.Paths.Repository) : "not used")
            .Row("USearch (Cloud.Unum.USearch, knn section only)", context.Options.Includes(BenchOptions.Knn) ? USearchKnn.LibraryVersion : "not loaded")
            .Row("model", $"`{context.Model.Card.Name}`: bench/make_resnet50_random.py, ResNet-50 graph, 23.5 M parameters, 4.1 GMAC per image")).AppendLine();
        return text.ToString();
    }

    /// <summary>The command that reproduces this run (the harness is started through dotnet run).</summary>
    public static string CommandLine(BenchContext context)
    {
        var arguments = context.Options.Arguments.Select(a => a.Length == 0 || a.Any(char.IsWhiteSpace) ? $"\"{a}\"" : a);
        var command = $"dotnet run -c {context.Paths.Configuration} --project bench/ImageFinder.Bench";
        return context.Options.Arguments.Count == 0 ? command : $"{command} -- {string.Join(' ', arguments)}";
    }

    private static string YesNo(bool value) => value ? "yes" : "no";

    private static string Percent(double share) => (share * 100).ToString("F0", CultureInfo.InvariantCulture) + " %";

    /// <summary>The commit the run measured, and whether the working tree had changes.</summary>
    public static string Git(string repository)
    {
        try
        {
            using var head = ChildProcess.Start("git", ["rev-parse", "--short", "HEAD"], repository);
            head.WaitForExitAsync().GetAwaiter().GetResult();
            using var status = ChildProcess.Start("git", ["status", "--porcelain", "--untracked-files=no"], repository);
            status.WaitForExitAsync().GetAwaiter().GetResult();
            if (head.ExitCode != 0)
            {
                return "unknown (not a git checkout)";
            }

            var dirty = status.OutputTail.Trim().Length > 0 ? " with uncommitted changes" : string.Empty;
            return $"git commit {head.OutputTail.Trim()}{dirty}";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown (git not installed)";
        }
    }

    private static string NativePackages(string repository)
    {
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(repository, "native", "package.json")));
            var dependencies = json.RootElement.GetProperty("dependencies");
            return $"sqlite-vec-linux-x64 {dependencies.GetProperty("sqlite-vec-linux-x64").GetString()}";
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException)
        {
            return "unknown (native/package.json unreadable)";
        }
    }
}
