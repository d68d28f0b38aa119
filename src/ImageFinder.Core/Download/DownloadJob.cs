using System.Diagnostics;

namespace ImageFinder.Download;

/// <summary>
/// Downloads the images a CSV manifest lists into a folder, resumably. Names are decided from the CSV
/// before anything is fetched (<see cref="FileNamer"/>); a row whose file is already present under its
/// final name is skipped, because final names only ever hold complete, verified files: each download
/// streams into a hidden <c>.name.random.part</c> file in the output folder and is renamed (never
/// overwriting) to its final name once verified. Temporary files left by a killed run are removed when the next run starts.
/// URLs are fetched with bounded concurrency by one <see cref="SafeHttpDownloader"/>; a URL that fails is
/// reported with its reason and the job goes on. One job should run in a folder at a time.
/// </summary>
public sealed class DownloadJob : IDisposable
{
    private const string TempSuffix = ".part";

    private readonly DownloadOptions options;
    private readonly SafeHttpDownloader downloader;

    public DownloadJob(DownloadOptions? options = null)
    {
        this.options = options ?? new DownloadOptions();
        downloader = new SafeHttpDownloader(this.options);
    }

    /// <summary>Downloads every row of <paramref name="requests"/> into <paramref name="outputFolder"/> (created when missing).</summary>
    public async Task<DownloadSummary> RunAsync(
        IReadOnlyList<DownloadRequest> requests,
        string outputFolder,
        IProgress<DownloadProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        var root = Path.GetFullPath(outputFolder);
        Directory.CreateDirectory(root);
        RemoveStaleTempFiles(root);

        var plan = FileNamer.Plan(requests);
        var tally = new DownloadTally(plan.Items.Count, progress);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(
            plan.Items.Select((item, index) => (item, index)),
            parallel,
            async (entry, token) => await ProcessAsync(root, entry.item, entry.index, tally, token).ConfigureAwait(false)).ConfigureAwait(false);

        var report = FailureReport.Write(root, tally.Failures());
        return tally.Summary(stopwatch.Elapsed, plan.Duplicates, report);
    }

    public void Dispose() => downloader.Dispose();

    /// <summary>The file already saved for a planned row (any image extension), or null.</summary>
    internal static string? FindExisting(string folder, string stem) =>
        FileNamer.Extensions.Select(extension => Path.Combine(folder, stem + extension)).FirstOrDefault(File.Exists);

    /// <summary>Deletes the hidden <c>.*.part</c> files a killed run left in <paramref name="root"/> (the only place they are made).</summary>
    private static void RemoveStaleTempFiles(string root)
    {
        foreach (var path in Directory.EnumerateFiles(root, ".*" + TempSuffix))
        {
            File.Delete(path);
        }
    }

    /// <summary>A path under <paramref name="root"/>; anything else is a bug in the sanitiser, so it throws.</summary>
    private static string Inside(string root, params string[] parts)
    {
        var path = Path.GetFullPath(Path.Combine([root, .. parts]));
        if (!path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Refusing to write outside the output folder: {path}");
        }

        return path;
    }

    private async Task ProcessAsync(string root, PlannedDownload item, int index, DownloadTally tally, CancellationToken cancellationToken)
    {
        var url = item.Request.Url;
        if (item.Uri is null)
        {
            tally.Failed(index, new DownloadFailure(url, item.Problem ?? "not a usable URL", 0));
            return;
        }

        var folder = item.Folder.Length == 0 ? root : Inside(root, item.Folder);
        if (folder != root && new DirectoryInfo(folder).LinkTarget is { } target)
        {
            // A link would send the file wherever it points: outside the output folder, perhaps.
            tally.Failed(index, new DownloadFailure(url, $"the label folder {folder} is a symbolic link (to {target}); refusing to write through it", 0));
            return;
        }

        if (FindExisting(folder, item.Stem) is { } existing)
        {
            tally.Skipped(index, existing);
            return;
        }

        // The temporary file lives in the output folder itself, so a failed row leaves no empty label folder.
        var temp = Inside(root, $".{item.Stem}.{Path.GetRandomFileName()}{TempSuffix}");
        try
        {
            var result = await downloader.DownloadAsync(item.Uri, temp, cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                tally.Failed(index, new DownloadFailure(url, result.Failure!, result.Attempts));
                return;
            }

            var final = Inside(root, item.Folder, item.Stem + result.Extension);
            Directory.CreateDirectory(folder);
            File.Move(temp, final, overwrite: false);
            tally.Downloaded(index, final, result.Bytes);
        }
        catch (IOException e)
        {
            tally.Failed(index, new DownloadFailure(url, "could not save the file: " + e.Message, 1));
        }
        catch (Exception e) when (e is UnauthorizedAccessException or InvalidOperationException or ArgumentException or NotSupportedException)
        {
            tally.Failed(index, new DownloadFailure(url, "could not save the file: " + e.Message, 1));
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
