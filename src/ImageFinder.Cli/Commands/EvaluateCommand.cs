using System.CommandLine;
using System.Text.Json;
using ImageFinder.Cli.Console;
using ImageFinder.Configuration;
using ImageFinder.Evaluation;
using ImageFinder.Ingestion;
using ImageFinder.Storage;

namespace ImageFinder.Cli.Commands;

/// <summary>
/// <c>evaluate --folder DIR</c>: syncs a folder-per-class collection into the database (like <c>ingest</c>), then
/// measures leave-one-out retrieval on it: precision@k, recall@k, mAP, a per-class table and the most-confused classes.
/// </summary>
internal static class EvaluateCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create()
    {
        var folder = new Option<DirectoryInfo>("--folder")
        {
            Description = "Folder-per-class collection (e.g. Caltech-101): the first folder under it is each image's class.",
            Required = true,
        };
        var format = new Option<string>("--format") { Description = "table or json (on standard output).", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var jsonFile = new Option<FileInfo?>("--json") { Description = "Also write the report as JSON to this file." };
        var confusions = new Option<int>("--confusions") { Description = "How many most-confused class pairs to list.", DefaultValueFactory = _ => 10 };
        var database = CommonOptions.Database();
        var model = CommonOptions.Model();
        var threads = CommonOptions.Threads();
        var sessions = CommonOptions.Sessions();
        var batchSize = CommonOptions.BatchSize();
        var command = new Command("evaluate", "Leave-one-out retrieval evaluation of a folder-per-class collection: precision@1/3/10, recall@k, mAP, per class.")
        {
            folder, format, jsonFile, confusions, database, model, threads, sessions, batchSize,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(folder)!,
            parse.GetValue(format) == "json",
            parse.GetValue(jsonFile),
            parse.GetValue(confusions),
            new ImageFinderOptions
            {
                Database = parse.GetValue(database)!,
                ModelPath = parse.GetValue(model)!,
                IntraOpThreads = CommonOptions.Inference(parse, threads, sessions).Threads,
                InferenceSessions = CommonOptions.Inference(parse, threads, sessions).Sessions,
                MaxBatchSize = parse.GetValue(batchSize),
            },
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        DirectoryInfo folder, bool asJson, FileInfo? jsonFile, int confusions, ImageFinderOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (!folder.Exists)
        {
            await error.WriteLineAsync($"error: --folder: '{folder.FullName}' does not exist.");
            return 2;
        }

        if (confusions < 0)
        {
            await error.WriteLineAsync("error: --confusions must be 0 or more.");
            return 2;
        }

        using var search = await CommonOptions.OpenAsync(options, error);
        if (search is null)
        {
            return 2;
        }

        // With JSON on standard output, everything else goes to standard error.
        var log = asJson ? error : output;
        var files = FolderScanner.Scan(folder.FullName);
        await log.WriteLineAsync($"syncing {files.Count} image files from {folder.FullName} into {search.Store.Location}");
        var exitCode = await IngestRun.RunAsync(search, files, "synced", log, error, cancellationToken);
        if (exitCode != 0)
        {
            return exitCode;
        }

        var labelled = (await CollectionVectors.ReadAsync(search.Store, folder.FullName, cancellationToken))
            .Select(image => (Label: FolderLabels.LabelOf(folder.FullName, image.Source), image))
            .Where(pair => pair.Label is not null)
            .Select(pair => new LabelledVector(pair.Label!, pair.image.Vector, pair.image.Source))
            .ToList();
        if (labelled.Count < 2)
        {
            await error.WriteLineAsync($"error: {folder.FullName} has {labelled.Count} usable images in class folders; evaluation needs a folder per class with images in it.");
            return 1;
        }

        EvaluationReport report;
        try
        {
            report = await Task.Run(() => RetrievalEvaluator.Evaluate(labelled, search.Store.Collection.Metric, topConfusions: confusions, cancellationToken: cancellationToken), cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("interrupted: no report.");
            return 130;
        }

        var document = new { model = search.Model.Name, folder = folder.FullName, evaluation = report };
        if (jsonFile is not null)
        {
            await File.WriteAllTextAsync(jsonFile.FullName, JsonSerializer.Serialize(document, Json), cancellationToken);
        }

        if (asJson)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(document, Json));
        }
        else
        {
            await output.WriteLineAsync();
            await EvaluationTable.WriteAsync(output, report, search.Model.Name, folder.FullName);
        }

        return 0;
    }
}
