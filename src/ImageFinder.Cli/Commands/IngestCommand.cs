using System.CommandLine;
using ImageFinder.Configuration;
using ImageFinder.Ingestion;

namespace ImageFinder.Cli.Commands;

/// <summary>
/// <c>ingest --folder DIR</c>: syncs the database with DIR: new and changed images are embedded, and with <c>--prune</c>
/// images whose file under DIR is gone are removed. <c>--watch</c> keeps syncing as files change, until Ctrl-C or SIGTERM.
/// </summary>
internal static class IngestCommand
{
    /// <summary>How long the folder must stay quiet after a change before a watch-mode sync starts.</summary>
    public static readonly TimeSpan WatchQuiet = TimeSpan.FromMilliseconds(750);

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
        var sessions = CommonOptions.Sessions();
        var batchSize = CommonOptions.BatchSize();
        var metric = CommonOptions.Metric();
        var prune = new Option<bool>("--prune")
        {
            Description = "Remove images whose file under --folder is gone (never images of other folders in the same database).",
        };
        var watch = new Option<bool>("--watch")
        {
            Description = "Keep running and sync new, changed (and with --prune, deleted) files as they appear, until Ctrl-C.",
        };
        var shard = new Option<string?>("--shard")
        {
            Description = "Ingest only share I of N of the folder (I/N, e.g. 2/4), chosen by each file's relative path: N jobs on N machines fill one shared store (ImageFinder__Store=garnet) without overlap.",
        };
        var command = new Command("ingest", "Embed the images of a folder into the database; only new or changed files are embedded.")
        {
            folder, database, model, threads, sessions, batchSize, metric, prune, watch, shard,
        };

        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(folder)!,
            parse.GetValue(prune),
            parse.GetValue(watch),
            parse.GetValue(shard),
            new ImageFinderOptions
            {
                Database = parse.GetValue(database)!,
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

    private static async Task<int> RunAsync(DirectoryInfo folder, bool prune, bool watch, string? shard, ImageFinderOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (!folder.Exists)
        {
            await error.WriteLineAsync($"error: --folder: '{folder.FullName}' does not exist.");
            return 2;
        }

        var (share, shareError) = FolderShare.Parse(shard);
        if (shareError is not null)
        {
            await error.WriteLineAsync("error: " + shareError);
            return 2;
        }

        using var search = await CommonOptions.OpenAsync(options, error);
        if (search is null)
        {
            return 2;
        }

        var pruneUnder = prune ? folder.FullName : null;

        // The watcher starts before the first scan, so a file arriving during the first sync is not missed.
        using var watcher = watch ? new FolderWatcher(folder.FullName) : null;
        var scan = FolderScanner.Scan(folder.FullName);
        var files = share is { } part ? part.Of(folder.FullName, scan) : scan;
        var of = share is null ? "" : $" (share {share} of {scan.Count})";
        await output.WriteLineAsync($"ingesting {files.Count} image files{of} from {folder.FullName} into {search.Store.Location} ({search.Store.Collection.Metric} distance) with '{search.Model.Name}'");
        var exitCode = await IngestRun.RunAsync(search, files, "done", output, error, cancellationToken, pruneUnder, scan);
        if (watcher is null || exitCode != 0)
        {
            return exitCode;
        }

        await output.WriteLineAsync($"watching {folder.FullName} for changes{(prune ? " and deletions" : "")} (Ctrl-C to stop)");
        while (true)
        {
            try
            {
                await watcher.WaitForChangesAsync(WatchQuiet, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                await output.WriteLineAsync("stopped watching");
                return 0;
            }

            IReadOnlyList<ImageFile> current;
            try
            {
                current = FolderScanner.Scan(folder.FullName);
            }
            catch (DirectoryNotFoundException)
            {
                await error.WriteLineAsync($"error: --folder: '{folder.FullName}' no longer exists; stopped watching.");
                return 1;
            }

            // The same ingest pipeline as the first run: unchanged files cost one stat each.
            var currentShare = share is { } watched ? watched.Of(folder.FullName, current) : current;
            exitCode = await IngestRun.RunAsync(search, currentShare, "sync", output, error, cancellationToken, pruneUnder, current);
            if (exitCode != 0)
            {
                return exitCode;
            }
        }
    }
}
