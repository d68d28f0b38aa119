using System.CommandLine;
using ImageFinder.Configuration;
using ImageFinder.Ingestion;

namespace ImageFinder.Cli.Commands;

/// <summary><c>ingest --folder DIR</c>: embeds every new or changed image under DIR into the database.</summary>
internal static class IngestCommand
{
    public static Command Create()
    {
        var folder = new Option<DirectoryInfo>("--folder")
        {
            Description = "Folder to ingest, recursively (JPEG, PNG, WebP, GIF, TIFF, HEIF).",
            Required = true,
        };
        var database = CommonOptions.Database();
        var model = CommonOptions.Model();
        var threads = CommonOptions.Threads();
        var batchSize = CommonOptions.BatchSize();
        var metric = CommonOptions.Metric();
        var command = new Command("ingest", "Embed the images of a folder into the database; only new or changed files are embedded.")
        {
            folder, database, model, threads, batchSize, metric,
        };

        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(folder)!,
            new ImageFinderOptions
            {
                Database = parse.GetValue(database)!,
                ModelPath = parse.GetValue(model)!,
                IntraOpThreads = parse.GetValue(threads),
                MaxBatchSize = parse.GetValue(batchSize),
                Metric = parse.GetValue(metric),
            },
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(DirectoryInfo folder, ImageFinderOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (!folder.Exists)
        {
            await error.WriteLineAsync($"error: --folder: '{folder.FullName}' does not exist.");
            return 2;
        }

        using var search = CommonOptions.Open(options, error);
        if (search is null)
        {
            return 2;
        }

        var files = FolderScanner.Scan(folder.FullName);
        await output.WriteLineAsync($"ingesting {files.Count} image files from {folder.FullName} into {search.Store.Path} ({search.Store.Collection.Metric} distance) with '{search.Model.Name}'");
        return await IngestRun.RunAsync(search, files, "done", output, error, cancellationToken);
    }
}
