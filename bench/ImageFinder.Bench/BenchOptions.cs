using System.Globalization;

namespace ImageFinder.Bench;

/// <summary>The command line: which sections to run, how hard, and at which collection sizes.</summary>
internal sealed record BenchOptions(
    bool Quick,
    IReadOnlyList<string> Sections,
    IReadOnlyList<int> VectorCounts,
    int BatchSize,
    string? Note,
    string? ModelsFolder,
    int USearchMaxCount,
    int GarnetCount,
    int GarnetImages,
    IReadOnlyList<string> Arguments,
    bool Help)
{
    public const string Embed = "embed";
    public const string Decode = "decode";
    public const string Http = "http";
    public const string Knn = "knn";
    public const string Memory = "memory";
    public const string Models = "models";
    public const string Peers = "peers";
    public const string Garnet = "garnet";
    public const string Batch = "batch";
    public const string Filter = "filter";

    /// <summary>Every section, in the order they run.</summary>
    public static readonly IReadOnlyList<string> AllSections = [Embed, Decode, Http, Knn, Memory, Models, Peers, Garnet, Batch, Filter];

    /// <summary>The largest collection the harness makes: N × 2048 floats must fit one .NET array.</summary>
    public const int MaxVectorCount = 1_000_000;

    /// <summary>
    /// The knn section builds its USearch (HNSW) indexes only up to this N by default: at 100,000 one build takes 1.5 to
    /// 6 minutes on 2 cores (quiet or busy), per storage kind, and the cost grows faster than N.
    /// </summary>
    public const int DefaultUSearchMaxCount = 100_000;

    /// <summary>The garnet section copies this many synthetic vectors into the cluster by default (a few minutes: a Garnet vector-set insert is slow).</summary>
    public const int DefaultGarnetCount = 100_000;

    /// <summary>With --quick and no --garnet-n: the copy takes seconds, not minutes.</summary>
    public const int QuickGarnetCount = 10_000;

    /// <summary>640x480 JPEGs the garnet section's CLI ingest runs embed, into SQLite and into the cluster, by default.</summary>
    public const int DefaultGarnetImages = 200;

    public const string Usage = """
        usage: dotnet run -c Release --project bench/ImageFinder.Bench -- [options]

          --quick              fewer repetitions and shorter runs: checks the harness, not reference figures
          --only <sections>    comma-separated: embed, decode, http, knn, memory, models, peers, garnet, batch, filter
                               (default: all)
          --n <counts>         collection sizes for http and knn (batch: the smallest), comma-separated (default: 10000,100000;
                               at most 1000000)
          --batch <B>          inference batch size (default: 8, the service's MaxBatchSize)
          --note <text>        a line printed at the top of RESULTS.md
          --models <dir>       the models section compares every .onnx (with its card) in this folder
                               (default: bench/models/torchvision/, exported with random weights when missing)
          --usearch-max-n <N>  the knn section builds its USearch (HNSW) indexes only for N up to this
                               (default: 100000; at 100000 each of its two builds takes 1.5 to 6 minutes on 2 cores)
          --garnet-n <N>       vectors the garnet section copies into the local Garnet cluster (default: 100000;
                               10000 with --quick; at most 1000000; the copy runs at a few hundred to ~1000 vectors/s)
          --garnet-images <N>  640x480 JPEGs the garnet section's CLI ingest runs embed (default: 200; at least 10)
          -h, --help           this text

        dotnet run -c Release --project bench/ImageFinder.Bench -- load --help: the load run (writes bench/LOAD.md)
        """;

    public bool Includes(string section) => Sections.Contains(section, StringComparer.Ordinal);

    /// <exception cref="ArgumentException">An unknown option or a bad value; the message says which.</exception>
    public static BenchOptions Parse(string[] args)
    {
        var quick = false;
        var help = false;
        IReadOnlyList<string> sections = AllSections;
        IReadOnlyList<int> counts = [10_000, 100_000];
        var batch = 8;
        string? note = null;
        string? models = null;
        var usearchMaxCount = DefaultUSearchMaxCount;
        int? garnetCount = null;
        var garnetImages = DefaultGarnetImages;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    quick = true;
                    break;
                case "--only":
                    sections = ParseSections(Value(args, ref i));
                    break;
                case "--n":
                    counts = ParseCounts(Value(args, ref i));
                    break;
                case "--batch":
                    batch = ParsePositive("--batch", Value(args, ref i));
                    break;
                case "--note":
                    note = Value(args, ref i);
                    break;
                case "--models":
                    models = Value(args, ref i);
                    break;
                case "--usearch-max-n":
                    usearchMaxCount = ParsePositive("--usearch-max-n", Value(args, ref i));
                    break;
                case "--garnet-n":
                    garnetCount = ParsePositive("--garnet-n", Value(args, ref i));
                    if (garnetCount > MaxVectorCount)
                    {
                        throw new ArgumentException($"--garnet-n: at most {MaxVectorCount}.");
                    }

                    break;
                case "--garnet-images":
                    garnetImages = ParsePositive("--garnet-images", Value(args, ref i));
                    if (garnetImages < 10)
                    {
                        throw new ArgumentException("--garnet-images: at least 10 (the searches ask for k = 10).");
                    }

                    break;
                case "-h" or "--help":
                    help = true;
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{args[i]}'.");
            }
        }

        return new BenchOptions(quick, sections, counts, batch, note, models, usearchMaxCount, garnetCount ?? (quick ? QuickGarnetCount : DefaultGarnetCount), garnetImages, args, help);
    }

    private static string Value(string[] args, ref int i)
    {
        if (i + 1 >= args.Length)
        {
            throw new ArgumentException($"{args[i]} needs a value.");
        }

        i++;
        return args[i];
    }

    private static List<string> ParseSections(string text)
    {
        var wanted = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var name in wanted)
        {
            if (!AllSections.Contains(name, StringComparer.Ordinal))
            {
                throw new ArgumentException($"--only: unknown section '{name}'; the sections are {string.Join(", ", AllSections)}.");
            }
        }

        // Always in the canonical order, whatever order they were given in.
        return AllSections.Where(s => wanted.Contains(s, StringComparer.Ordinal)).ToList();
    }

    private static List<int> ParseCounts(string text)
    {
        var counts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => ParsePositive("--n", part))
            .Distinct()
            .Order()
            .ToList();
        if (counts.Count == 0 || counts[^1] > MaxVectorCount)
        {
            throw new ArgumentException($"--n: give one or more counts from 1 to {MaxVectorCount}.");
        }

        return counts;
    }

    private static int ParsePositive(string option, string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{option}: '{text}' is not a positive integer.");
}
