using ImageFinder.Cli.Console;
using ImageFinder.Ingestion;
using ImageFinder.Search;
using ImageFinder.Storage;

namespace ImageFinder.Cli.Commands;

/// <summary>Runs the ingest job over a list of files with progress, then prints failures and the summary; shared by <c>ingest</c> and <c>download --ingest</c>.</summary>
internal static class IngestRun
{
    /// <remarks>
    /// With a <c>pruneUnder</c> folder, images whose source lies under it and is not in <c>present</c> (default: the
    /// files) are removed after the run; a job that ingests one share of a folder passes the whole scan there.
    /// </remarks>
    /// <returns>0 when the job ran (files may have failed), 130 when it was interrupted, 1 when the store stopped answering.</returns>
    public static async Task<int> RunAsync(ImageSearch search, IReadOnlyList<ImageFile> files, string summaryPrefix, TextWriter output, TextWriter error, CancellationToken cancellationToken, string? pruneUnder = null, IReadOnlyList<ImageFile>? present = null)
    {
        var job = new IngestJob(search.Embedder, search.Store);
        IngestSummary summary;
        IReadOnlyList<string> removed = [];
        try
        {
            summary = await IngestProgressView.RunAsync(output, total => job.RunAsync(files, total, cancellationToken));
            if (pruneUnder is not null)
            {
                removed = await job.PruneAsync(pruneUnder, present ?? files, cancellationToken);
                summary = summary with { Removed = removed.Count };
            }
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("interrupted: everything committed so far is kept; run the same command again to finish.");
            return 130;
        }
        catch (StoreUnavailableException e)
        {
            // Already retried (ImageFinder:Garnet:Attempts); what was written is kept and a rerun skips it.
            await error.WriteLineAsync($"error: {e.Message} Everything written so far is kept; run the same command again to finish.");
            return 1;
        }

        foreach (var failure in summary.Failures)
        {
            await error.WriteLineAsync($"failed: {Printable.Text(failure.Path)}: {Printable.Text(failure.Reason)}");
        }

        foreach (var source in removed)
        {
            await output.WriteLineAsync($"removed: {Printable.Text(source)}");
        }

        // The job is done: a Ctrl-C arriving now must not turn its summary into an error.
        var removedCount = pruneUnder is null ? "" : $", {summary.Removed} removed";
        await output.WriteLineAsync(
            $"{summaryPrefix}: {summary.Added} added, {summary.Updated} updated, {summary.Unchanged} unchanged, {summary.Failed} failed{removedCount} " +
            $"in {summary.Elapsed.TotalSeconds:F1} s ({summary.ImagesPerSecond:F1} images/s); {await search.Store.CountAsync(CancellationToken.None)} images in the database");
        return 0;
    }
}
