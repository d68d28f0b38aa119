using System.CommandLine;
using ImageFinder.Configuration;
using ImageFinder.Native;
using ImageFinder.Search;

namespace ImageFinder.Cli.Commands;

/// <summary>Options every command shares, and how they become an opened <see cref="ImageSearch"/>.</summary>
internal static class CommonOptions
{
    public static Option<string> Database() => new("--db")
    {
        Description = "SQLite database file (created when missing).",
        DefaultValueFactory = _ => new ImageFinderOptions().Database,
    };

    public static Option<string> Model() => new("--model")
    {
        Description = "ONNX model; its card is the .json file beside it.",
        DefaultValueFactory = _ => new ImageFinderOptions().ModelPath,
    };

    public static Option<int?> Threads() => new("--threads")
    {
        Description = "ONNX Runtime intra-op threads per session (default: the cores divided among the sessions).",
    };

    public static Option<int?> Sessions() => new("--sessions")
    {
        Description = "ONNX Runtime sessions running batches side by side (default: the cores divided by --threads; without --threads, one single-threaded session per core, the fastest for a batch job).",
    };

    /// <summary>
    /// Threads per session and sessions for a batch job: whichever is given fills the cores with the other; with
    /// neither, one single-threaded session per core (the highest throughput on a CPU; see <c>ImageFinder:InferenceSessions</c>).
    /// </summary>
    public static (int Threads, int Sessions) Inference(ParseResult parse, Option<int?> threads, Option<int?> sessions)
    {
        var cores = Environment.ProcessorCount;
        return (parse.GetValue(threads), parse.GetValue(sessions)) switch
        {
            ({ } t, { } s) => (t, s),
            ({ } t, null) => (t, Math.Max(1, cores / Math.Max(1, t))),
            (null, { } s) => (Math.Max(1, cores / Math.Max(1, s)), s),
            _ => (1, cores),
        };
    }

    public static Option<int> BatchSize() => new("--batch-size")
    {
        Description = "Images per inference run.",
        DefaultValueFactory = _ => new ImageFinderOptions().MaxBatchSize,
    };

    public static Option<string?> Metric() => new("--metric")
    {
        Description = "Distance metric of a new database: l2 (default), cosine or l1. An existing database keeps the metric it was created with.",
    };

    /// <summary>Validates the settings like the API does, then loads the model and opens the database; errors are printed, not thrown.</summary>
    public static async Task<ImageSearch?> OpenAsync(ImageFinderOptions options, TextWriter error)
    {
        var failures = new List<string>();
        if (StoreEnvironment.Apply(options) is { } environment)
        {
            failures.Add(environment);
        }

        try
        {
            NativeLibraries.EnsureInstalled();
        }
        catch (NativeLibraryMissingException e)
        {
            failures.Add(e.Message);
        }

        if (options.IntraOpThreads < 1 || options.InferenceSessions < 1)
        {
            failures.Add($"--threads ({options.IntraOpThreads}) and --sessions ({options.InferenceSessions}) must be at least 1.");
        }

        var result = new ImageFinderOptionsValidator().Validate(null, options);
        if (result.Failed)
        {
            failures.AddRange(result.Failures.Select(f => f.Replace("ImageFinder:Metric", "--metric", StringComparison.Ordinal)));
        }

        if (failures.Count > 0)
        {
            error.WriteLine("error: " + string.Join(Environment.NewLine + "error: ", failures.Select(f => f.Replace("ImageFinder:ModelPath", "--model", StringComparison.Ordinal).Replace("ImageFinder:Database", "--db", StringComparison.Ordinal))));
            return null;
        }

        try
        {
            var search = await ImageSearch.OpenAsync(options);
            if (options.MetricConflict(search.Store.Collection.Metric, "--metric") is { } conflict)
            {
                error.WriteLine("warning: " + conflict);
            }

            if (search.Model.Name.Contains("NOT ResNet-50", StringComparison.Ordinal))
            {
                error.WriteLine($"warning: using the bundled TEST model '{search.Model.Name}', not ResNet-50: results show the pipeline works, not real visual similarity.");
            }
            else if (search.Model.Name.Contains("NOT pretrained", StringComparison.Ordinal))
            {
                error.WriteLine($"warning: the model '{search.Model.Name}' has random weights: results show the pipeline works, not real visual similarity.");
            }

            return search;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            error.WriteLine("error: " + e.Message);
            return null;
        }
    }
}
