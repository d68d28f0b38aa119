using System.CommandLine;
using ImageFinder.Cli.Console;
using ImageFinder.Storage;
using ImageFinder.Storage.Garnet;

namespace ImageFinder.Cli.Commands;

/// <summary>
/// <c>migrate --to garnet|sqlite</c>: copies the collection of one store into the other losslessly (ids, sources,
/// labels, times, vectors bit for bit). The SQLite side is <c>--db</c>; the Garnet side is the one the
/// <c>ImageFinder__Garnet__*</c> environment variables name. The source is only read; the copy is resumable.
/// </summary>
internal static class MigrateCommand
{
    public static Command Create()
    {
        var to = new Option<string>("--to")
        {
            Description = "garnet: copy the SQLite collection (--db) to the Garnet one (ImageFinder__Garnet__Endpoints, __Prefix); sqlite: the other way.",
            Required = true,
        };
        to.AcceptOnlyFromAmong(StoreKinds.Garnet, StoreKinds.Sqlite);
        var database = CommonOptions.Database();
        database.Description = "The SQLite side: the source with --to garnet (only read), the target with --to sqlite (created, or a copy left unfinished, which is completed).";
        var command = new Command("migrate", "Copy a collection between the SQLite file and a Garnet cluster, keeping ids, sources, labels, times and vectors bit for bit; resumable.")
        {
            to, database,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(to)!,
            parse.GetValue(database)!,
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string to, string database, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (await StoreEnvironment.ReadCheckedAsync(error) is not { } settings)
        {
            return 2;
        }

        // One side is always the cluster, whatever ImageFinder__Store says.
        if (settings.Garnet.Failures() is { Count: > 0 } garnet)
        {
            foreach (var failure in garnet)
            {
                await error.WriteLineAsync("error: " + failure);
            }

            return 2;
        }

        try
        {
            if (to == StoreKinds.Garnet)
            {
                using var file = StoredCollection.Open(database);
                using var cluster = await GarnetStore.OpenAsync(settings.Garnet, file.Collection, cancellationToken: cancellationToken);
                return await CopyAsync(file, cluster, output, cancellationToken);
            }
            else
            {
                using var cluster = await GarnetStore.OpenExistingAsync(settings.Garnet, cancellationToken: cancellationToken);
                using var file = VectorStore.Open(database, cluster.Collection);
                return await CopyAsync(cluster, file, output, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("interrupted: what was copied is kept; run the same command again to finish.");
            return 130;
        }
        catch (Exception e) when (e is CollectionMismatchException or StoreUnavailableException or ArgumentException)
        {
            await error.WriteLineAsync("error: " + e.Message);
            return e is StoreUnavailableException ? 1 : 2;
        }
    }

    private static async Task<int> CopyAsync(ICollectionReader source, IImageStore target, TextWriter output, CancellationToken cancellationToken)
    {
        await output.WriteLineAsync($"migrating {source.Location} ('{source.Collection.Model}', {source.Collection.Dimension}-d, {source.Collection.Metric}) to {target.Location}");
        var summary = await MigrationProgressView.RunAsync(output, progress => CollectionMigration.CopyAsync(source, target, progress, cancellationToken));
        await output.WriteLineAsync(
            $"done: {summary.Copied} copied, {summary.Skipped} already there in {summary.Elapsed.TotalSeconds:F1} s; {summary.TargetCount} images in {target.Location}");
        return 0;
    }
}
