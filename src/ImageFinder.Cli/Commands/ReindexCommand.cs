using System.CommandLine;
using ImageFinder.Cli.Console;
using ImageFinder.Configuration;
using ImageFinder.Ingestion;
using ImageFinder.Storage;

namespace ImageFinder.Cli.Commands;

/// <summary>
/// <c>reindex --db OLD --model NEW --out NEWDB</c>: re-embeds every image of a collection with another model into a new
/// database, keeping ids, sources, labels and added times. The old database is only read. Resumable: run it again
/// after Ctrl-C or a kill and it embeds only what is missing.
/// </summary>
internal static class ReindexCommand
{
    public static Command Create()
    {
        var database = new Option<string>("--db")
        {
            Description = "The collection to re-embed (opened read-only, never changed).",
            Required = true,
        };
        var output = new Option<string>("--out")
        {
            Description = "The new database (created; or a re-index of the same collection left unfinished, which is completed).",
            Required = true,
        };
        var model = CommonOptions.Model();
        model.Description = "The ONNX model to re-embed with; its card is the .json file beside it.";
        var threads = CommonOptions.Threads();
        var sessions = CommonOptions.Sessions();
        var batchSize = CommonOptions.BatchSize();
        var metric = CommonOptions.Metric();
        metric.Description = "Distance metric of the new database: l2, cosine or l1 (default: the old database's).";
        var command = new Command("reindex", "Re-embed every image of a collection with another model into a new database, keeping ids, sources, labels and added times.")
        {
            database, model, output, threads, sessions, batchSize, metric,
        };

        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(database)!,
            new ImageFinderOptions
            {
                Database = parse.GetValue(output)!,
                ModelPath = parse.GetValue(model)!,
                IntraOpThreads = CommonOptions.Inference(parse, threads, sessions).Threads,
                InferenceSessions = CommonOptions.Inference(parse, threads, sessions).Sessions,
                MaxBatchSize = parse.GetValue(batchSize),
                Metric = parse.GetValue(metric),
            },
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string oldDatabase, ImageFinderOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        using var source = OpenSource(oldDatabase, error);
        if (source is null)
        {
            return 2;
        }

        options.Metric ??= source.Collection.Metric;
        using var search = await CommonOptions.OpenAsync(options, error);
        if (search is null)
        {
            return 2;
        }

        var old = source.Collection;
        await output.WriteLineAsync(
            $"re-indexing {source.Path} ('{old.Model}', {old.Dimension}-d) into {search.Store.Location} with '{search.Model.Name}' " +
            $"({search.Model.Dimension}-d, {search.Store.Collection.Metric} distance)");

        IngestSummary summary;
        try
        {
            var job = new ReindexJob(search.Embedder, search.Store);
            summary = await IngestProgressView.RunAsync(output, progress => job.RunAsync(source, progress, cancellationToken));
        }
        catch (CollectionMismatchException e)
        {
            await error.WriteLineAsync("error: --out: " + e.Message);
            return 2;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("interrupted: everything committed so far is kept; run the same command again to finish.");
            return 130;
        }

        foreach (var failure in summary.Failures)
        {
            await error.WriteLineAsync($"failed: {Printable.Text(failure.Path)}: {Printable.Text(failure.Reason)}");
        }

        await output.WriteLineAsync(
            $"done: {summary.Added + summary.Updated} re-embedded, {summary.Unchanged} already done, {summary.Failed} failed " +
            $"in {summary.Elapsed.TotalSeconds:F1} s ({summary.ImagesPerSecond:F1} images/s); {await search.Store.CountAsync(CancellationToken.None)} of {source.Images().Count} images in {search.Store.Location}");
        return 0;
    }

    private static StoredCollection? OpenSource(string path, TextWriter error)
    {
        try
        {
            return StoredCollection.Open(path);
        }
        catch (CollectionMismatchException e)
        {
            error.WriteLine("error: --db: " + e.Message);
            return null;
        }
    }
}
