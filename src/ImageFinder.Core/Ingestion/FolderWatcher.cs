using System.Threading.Channels;

namespace ImageFinder.Ingestion;

/// <summary>
/// Tells when the image files under a folder change (created, written, renamed, deleted, also in subfolders), with a
/// debounce: <see cref="WaitForChangesAsync"/> returns once something changed and then nothing more for a quiet
/// period, so a copy of many files, or of one large file, gives one signal. It says only that something changed: the
/// caller rescans the folder, which costs one stat per file and re-reads only what changed.
/// </summary>
public sealed class FolderWatcher : IDisposable
{
    private readonly FileSystemWatcher watcher;
    private readonly Channel<bool> signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Starts watching <paramref name="folder"/> at once (create it before the first scan, so nothing is missed).</summary>
    public FolderWatcher(string folder)
    {
        watcher = new FileSystemWatcher(Path.GetFullPath(folder))
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            InternalBufferSize = 64 * 1024,
        };
        watcher.Created += (_, e) => OnChange(e.FullPath);
        watcher.Changed += (_, e) => OnChange(e.FullPath);
        watcher.Deleted += (_, e) => OnChange(e.FullPath);
        watcher.Renamed += (_, e) =>
        {
            OnChange(e.OldFullPath);
            OnChange(e.FullPath);
        };

        // An overflowed event buffer loses events: a rescan finds whatever they were.
        watcher.Error += (_, _) => signal.Writer.TryWrite(true);
        watcher.EnableRaisingEvents = true;
    }

    /// <summary>Waits until something changed and then nothing more for <paramref name="quiet"/>.</summary>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public async Task WaitForChangesAsync(TimeSpan quiet, CancellationToken cancellationToken)
    {
        await signal.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(quiet);
            try
            {
                await signal.Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    public void Dispose() => watcher.Dispose();

    private void OnChange(string path)
    {
        // Image files, and names without an extension (folders); not the database or its journal if they live inside.
        var extension = Path.GetExtension(path);
        if (extension.Length == 0 || FolderScanner.Extensions.Contains(extension))
        {
            signal.Writer.TryWrite(true);
        }
    }
}
