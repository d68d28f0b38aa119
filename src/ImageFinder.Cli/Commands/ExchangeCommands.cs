using System.CommandLine;
using ImageFinder.Cli.Console;
using ImageFinder.Exchange;
using ImageFinder.Storage;
using ImageFinder.Storage.Garnet;

namespace ImageFinder.Cli.Commands;

/// <summary>
/// <c>export --out FILE</c> writes the collection (ids, sources, labels, sizes, times, vectors) to a JSONL file with the
/// model's name and SHA-256 in its header; <c>import --from FILE</c> copies such a file into an empty or matching
/// collection (idempotent, resumable). The collection is the <c>--db</c> file, or the Garnet one the
/// <c>ImageFinder__Store=garnet</c> environment names. No model is loaded: nothing is embedded.
/// </summary>
internal static class ExchangeCommands
{
    public static Command Export()
    {
        var output = new Option<FileInfo>("--out") { Description = "The JSONL file to write (replaced; written to FILE.partial first).", Required = true };
        var format = new Option<string>("--format") { Description = "jsonl (one object a line, vectors as arrays) or npy (FILE: a float32 matrix for NumPy; FILE.jsonl: the rest, row for row).", DefaultValueFactory = _ => "jsonl" };
        format.AcceptOnlyFromAmong("jsonl", "npy");
        var database = CommonOptions.Database();
        database.Description = "The SQLite collection to export (only read); ignored when ImageFinder__Store=garnet.";
        var command = new Command("export", "Write the collection's ids, sources, labels, sizes, times and vectors to a JSONL file, streamed.") { output, format, database };
        command.SetAction((parse, cancellationToken) => ExportAsync(parse.GetValue(output)!, parse.GetValue(format) == "npy", parse.GetValue(database)!, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken));
        return command;
    }

    public static Command Import()
    {
        var from = new Option<FileInfo>("--from") { Description = "A file written by export: FILE.jsonl, or FILE.npy with its FILE.npy.jsonl sidecar.", Required = true };
        var database = CommonOptions.Database();
        database.Description = "The SQLite collection to import into (created, or one of the same model's vectors); ignored when ImageFinder__Store=garnet.";
        var command = new Command("import", "Copy an export into an empty or matching collection, keeping ids, times and vectors bit for bit; idempotent and resumable.") { from, database };
        command.SetAction((parse, cancellationToken) => ImportAsync(parse.GetValue(from)!, parse.GetValue(database)!, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellationToken));
        return command;
    }

    private static async Task<int> ExportAsync(FileInfo output, bool npy, string database, TextWriter stdout, TextWriter error, CancellationToken cancellationToken)
    {
        if (await StoreEnvironment.ReadCheckedAsync(error) is not { } settings)
        {
            return 2;
        }

        return await RunAsync(error, async () =>
        {
            using var source = settings.UsesGarnet
                ? (IDisposable)await GarnetStore.OpenExistingAsync(settings.Garnet, cancellationToken: cancellationToken)
                : StoredCollection.Open(database);
            var reader = (ICollectionReader)source;
            await stdout.WriteLineAsync($"exporting {reader.Location} ('{reader.Collection.Model}', {reader.Collection.Dimension}-d, {reader.Collection.Metric}) to {output.FullName}");
            var count = await EmbeddingsFile.ExportAsync(reader, output.FullName, cancellationToken: cancellationToken, npy: npy);
            var where = npy ? $"{output.FullName} (vectors) and {EmbeddingsFile.SidecarOf(output.FullName)} (the rest)" : output.FullName;
            await stdout.WriteLineAsync($"done: {count} images exported to {where}");
            return 0;
        });
    }

    private static async Task<int> ImportAsync(FileInfo from, string database, TextWriter stdout, TextWriter error, CancellationToken cancellationToken)
    {
        if (await StoreEnvironment.ReadCheckedAsync(error) is not { } settings)
        {
            return 2;
        }

        return await RunAsync(error, async () =>
        {
            var file = await EmbeddingsFile.OpenAsync(from.FullName, cancellationToken);
            using var target = settings.UsesGarnet
                ? await GarnetStore.OpenAsync(settings.Garnet, file.Collection, cancellationToken: cancellationToken)
                : (IImageStore)VectorStore.Open(database, file.Collection);
            await stdout.WriteLineAsync($"importing {file.Count} images of '{file.Collection.Model}' ({file.Collection.Dimension}-d, {file.Collection.Metric}) into {target.Location}");
            var summary = await MigrationProgressView.RunAsync(stdout, progress => CollectionMigration.CopyAsync(file, target, progress, cancellationToken));
            await stdout.WriteLineAsync($"done: {summary.Copied} imported, {summary.Skipped} already there; {summary.TargetCount} images in {target.Location}");
            return 0;
        });
    }

    private static async Task<int> RunAsync(TextWriter error, Func<Task<int>> job)
    {
        try
        {
            return await job();
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("interrupted: run the same command again to finish.");
            return 130;
        }
        catch (Exception e) when (e is CollectionMismatchException or InvalidDataException or StoreUnavailableException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync("error: " + e.Message);
            return e is StoreUnavailableException ? 1 : 2;
        }
    }
}
