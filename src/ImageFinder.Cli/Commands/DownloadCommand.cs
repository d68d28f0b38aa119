using System.CommandLine;
using ImageFinder.Cli.Console;
using ImageFinder.Configuration;
using ImageFinder.Download;
using ImageFinder.Ingestion;
using ImageFinder.Native;
using ImageFinder.Search;

namespace ImageFinder.Cli.Commands;

/// <summary>
/// <c>download --csv FILE --out DIR</c>: downloads the images a CSV lists (resumably, with retries), and with
/// <c>--ingest</c> embeds them into the database.
/// </summary>
internal static class DownloadCommand
{
    public static Command Create()
    {
        var defaults = new DownloadOptions();
        var csv = new Option<FileInfo>("--csv")
        {
            Description = "CSV of images: a 'url' column (required) and optional 'id', 'filename' and 'label' columns.",
            Required = true,
        };
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "Folder the images are saved in (a subfolder per label); created when missing.",
            Required = true,
        };
        var ingest = new Option<bool>("--ingest") { Description = "Embed the downloaded images into the database (--db, --model) afterwards." };
        var concurrency = new Option<int>("--concurrency")
        {
            Description = "Downloads in flight at once (default: two per core).",
            DefaultValueFactory = _ => defaults.Concurrency,
        };
        var retries = new Option<int>("--retries")
        {
            Description = "Retries of a URL after a transient failure (5xx, 408, 429, timeout, broken connection).",
            DefaultValueFactory = _ => defaults.MaxRetries,
        };
        var retryDelay = new Option<double>("--retry-delay")
        {
            Description = "Seconds before the first retry; doubled on each retry, with jitter.",
            DefaultValueFactory = _ => defaults.BaseDelay.TotalSeconds,
        };
        var timeout = new Option<double>("--timeout")
        {
            Description = "Seconds one attempt may take: connection, redirects, headers and the whole body.",
            DefaultValueFactory = _ => defaults.RequestTimeout.TotalSeconds,
        };
        var maxBytes = new Option<long>("--max-bytes")
        {
            Description = "Largest file accepted, in bytes.",
            DefaultValueFactory = _ => defaults.MaxBytes,
        };
        var database = CommonOptions.Database();
        var model = CommonOptions.Model();
        var threads = CommonOptions.Threads();
        var sessions = CommonOptions.Sessions();
        var batchSize = CommonOptions.BatchSize();
        var command = new Command("download", "Download the images listed in a CSV of URLs into a folder; files already there are skipped.")
        {
            csv, output, ingest, concurrency, retries, retryDelay, timeout, maxBytes, database, model, threads, sessions, batchSize,
        };

        command.SetAction((parse, cancellationToken) =>
        {
            var error = parse.InvocationConfiguration.Error;
            if (!TryCreateOptions(parse.GetValue(concurrency), parse.GetValue(retries), parse.GetValue(retryDelay), parse.GetValue(timeout), parse.GetValue(maxBytes), out var options, out var problem))
            {
                error.WriteLine("error: " + problem);
                return Task.FromResult(2);
            }

            return RunAsync(
                parse.GetValue(csv)!,
                parse.GetValue(output)!,
                options,
                parse.GetValue(ingest)
                    ? new ImageFinderOptions
                    {
                        Database = parse.GetValue(database)!,
                        ModelPath = parse.GetValue(model)!,
                        IntraOpThreads = CommonOptions.Inference(parse, threads, sessions).Threads,
                        InferenceSessions = CommonOptions.Inference(parse, threads, sessions).Sessions,
                        MaxBatchSize = parse.GetValue(batchSize),
                    }
                    : null,
                parse.InvocationConfiguration.Output,
                error,
                cancellationToken);
        });
        return command;
    }

    private static bool TryCreateOptions(int concurrency, int retries, double retryDelay, double timeout, long maxBytes, out DownloadOptions options, out string? problem)
    {
        options = new DownloadOptions();
        problem = concurrency < 1 ? "--concurrency must be at least 1."
            : retries < 0 ? "--retries must be 0 or more."
            : !(retryDelay >= 0 && retryDelay <= 3600) ? "--retry-delay must be between 0 and 3600 seconds."
            : !(timeout >= 0.01 && timeout <= 86_400) ? "--timeout must be between 0.01 and 86400 seconds."
            : maxBytes < 1 ? "--max-bytes must be at least 1."
            : null;
        if (problem is not null)
        {
            return false;
        }

        var baseDelay = TimeSpan.FromSeconds(retryDelay);
        options = options with
        {
            Concurrency = concurrency,
            MaxRetries = retries,
            BaseDelay = baseDelay,
            MaxDelay = baseDelay > options.MaxDelay ? baseDelay : options.MaxDelay,
            RequestTimeout = TimeSpan.FromSeconds(timeout),
            MaxBytes = maxBytes,
        };
        return true;
    }

    private static async Task<int> RunAsync(FileInfo csv, DirectoryInfo folder, DownloadOptions options, ImageFinderOptions? ingest, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (!csv.Exists)
        {
            await error.WriteLineAsync($"error: --csv: '{csv.FullName}' does not exist.");
            return 2;
        }

        IReadOnlyList<DownloadRequest> requests;
        try
        {
            requests = CsvManifest.Read(csv.FullName);
        }
        catch (Exception e) when (e is CsvManifestException or IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"error: --csv: {csv.FullName}: {e.Message}");
            return 2;
        }

        try
        {
            // libvips checks every downloaded file.
            NativeLibraries.EnsureInstalled();
        }
        catch (NativeLibraryMissingException e)
        {
            await error.WriteLineAsync("error: " + e.Message);
            return 2;
        }

        // The model and database are opened before anything is downloaded, so a wrong --model fails at once.
        using var search = ingest is null ? null : await CommonOptions.OpenAsync(ingest, error);
        if (ingest is not null && search is null)
        {
            return 2;
        }

        await output.WriteLineAsync($"downloading {requests.Count} URLs from {csv.FullName} into {folder.FullName} ({options.Concurrency} at a time)");
        DownloadSummary summary;
        try
        {
            using var job = new DownloadJob(options);
            summary = await DownloadProgressView.RunAsync(output, progress => job.RunAsync(requests, folder.FullName, progress, cancellationToken));
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("interrupted: every file saved so far is complete; run the same command again to resume.");
            return 130;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"error: --out: {folder.FullName}: {e.Message}");
            return 2;
        }

        foreach (var failure in summary.Failures)
        {
            await error.WriteLineAsync($"failed: {Printable.Text(failure.Url)}: {Printable.Text(failure.Reason)} ({failure.Attempts} {(failure.Attempts == 1 ? "attempt" : "attempts")})");
        }

        if (summary.Duplicates > 0)
        {
            await output.WriteLineAsync($"note: {summary.Duplicates} CSV rows repeat an earlier row's url and label and were not downloaded again");
        }

        await output.WriteLineAsync(
            $"done: {summary.Downloaded} downloaded, {summary.Skipped} skipped (already present), {summary.Failed} failed, " +
            $"{summary.Bytes} bytes in {summary.Elapsed.TotalSeconds:F1} s");
        if (summary.FailureReport is { } report)
        {
            await output.WriteLineAsync($"failures: {report}");
        }

        return search is null ? 0 : await IngestAsync(search, summary.Files, output, error, cancellationToken);
    }

    /// <summary>Embeds the downloaded (or already present) files, exactly as <c>ingest</c> would.</summary>
    private static async Task<int> IngestAsync(ImageSearch search, IReadOnlyList<string> paths, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var files = paths
            .Select(path => new FileInfo(path))
            .Where(file => file.Exists)
            .Select(file => new ImageFile(file.FullName, file.Length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero)))
            .ToList();
        await output.WriteLineAsync($"ingesting {files.Count} image files into {search.Store.Location} with '{search.Model.Name}'");
        return await IngestRun.RunAsync(search, files, "ingest done", output, error, cancellationToken);
    }
}
