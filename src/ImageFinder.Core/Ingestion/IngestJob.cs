using System.Buffers;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Threading.Channels;
using ImageFinder.Imaging;
using ImageFinder.Inference;
using ImageFinder.Storage;

namespace ImageFinder.Ingestion;

/// <summary>
/// Embeds the images of a folder into a <see cref="VectorStore"/>, incrementally. A file whose size and
/// modification time match the database is skipped without being read; one whose bytes hash the same is
/// only re-stamped; new and changed files are decoded, embedded and written. The work is a bounded
/// pipeline: decode workers (one per core) preprocess files and queue them for inference while the model
/// runs batches, and a single writer commits results in transactions. A file that fails is reported with
/// its reason and the job goes on.
/// </summary>
public sealed class IngestJob
{
    private static readonly TimeSpan MaxCommitDelay = TimeSpan.FromMilliseconds(500);

    private readonly IImageEmbedder embedder;
    private readonly IImageStore store;
    private readonly IngestOptions options;

    public IngestJob(IImageEmbedder embedder, IImageStore store, IngestOptions? options = null)
    {
        this.embedder = embedder;
        this.store = store;
        this.options = options ?? new IngestOptions();
    }

    /// <summary>Ingests every image under <paramref name="folder"/>.</summary>
    public Task<IngestSummary> RunAsync(string folder, IProgress<IngestProgress>? progress = null, CancellationToken cancellationToken = default) =>
        RunAsync(FolderScanner.Scan(folder), progress, cancellationToken);

    /// <summary>Ingests the given files (absolute paths are their sources in the database).</summary>
    public async Task<IngestSummary> RunAsync(IReadOnlyList<ImageFile> files, IProgress<IngestProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        var known = await store.LoadFingerprintsAsync(cancellationToken).ConfigureAwait(false);
        var tally = new IngestTally(files.Count, progress);

        var candidates = new List<ImageFile>();
        foreach (var file in files)
        {
            if (known.TryGetValue(file.Path, out var fingerprint) && fingerprint.SizeBytes == file.SizeBytes && fingerprint.Modified == ToStoredPrecision(file.Modified))
            {
                tally.Unchanged(file.Path);
            }
            else
            {
                candidates.Add(file);
            }
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = stop.Token;
        var work = Channel.CreateBounded<ImageFile>(options.DecodeWorkers * 2);
        var results = Channel.CreateBounded<Prepared>(new BoundedChannelOptions(options.WriteBatchSize * 2) { SingleReader = true });

        var producer = Task.Run(() => ProduceAsync(candidates, work.Writer, token), token);
        var decoders = Enumerable.Range(0, options.DecodeWorkers)
            .Select(_ => Task.Run(() => DecodeAsync(work.Reader, results.Writer, known, tally, token), token))
            .ToArray();
        var decoding = CompleteWhenDoneAsync(decoders, results.Writer);
        try
        {
            await WriteAsync(results.Reader, tally, token).ConfigureAwait(false);
            await Task.WhenAll(producer, decoding).ConfigureAwait(false);
        }
        catch
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(decoders.Append(producer)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            await ReleaseAllAsync(results.Reader).ConfigureAwait(false);
            throw;
        }

        return tally.Summary(stopwatch.Elapsed);
    }

    /// <summary>
    /// Removes the images whose source lies under <paramref name="folder"/> but is not in <paramref name="present"/> (a scan
    /// of that folder): row and vector together. Images from other folders in the same database are never touched.
    /// </summary>
    /// <returns>The sources removed.</returns>
    public async Task<IReadOnlyList<string>> PruneAsync(string folder, IReadOnlyCollection<ImageFile> present, CancellationToken cancellationToken = default)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)) + Path.DirectorySeparatorChar;
        var kept = present.Select(file => file.Path).ToHashSet(StringComparer.Ordinal);
        var removed = new List<string>();
        foreach (var (source, fingerprint) in (await store.LoadFingerprintsAsync(cancellationToken).ConfigureAwait(false)).OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (source.StartsWith(root, StringComparison.Ordinal) && !kept.Contains(source)
                && await store.DeleteAsync(fingerprint.Id, cancellationToken).ConfigureAwait(false))
            {
                removed.Add(source);
            }
        }

        return removed;
    }

    /// <summary>The database keeps modification times in milliseconds.</summary>
    private static DateTimeOffset ToStoredPrecision(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());

    private static async Task ProduceAsync(IEnumerable<ImageFile> files, ChannelWriter<ImageFile> work, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var file in files)
            {
                await work.WriteAsync(file, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            work.TryComplete();
        }
    }

    private static async Task CompleteWhenDoneAsync(Task[] decoders, ChannelWriter<Prepared> results)
    {
        try
        {
            await Task.WhenAll(decoders).ConfigureAwait(false);
            results.TryComplete();
        }
        catch (Exception e)
        {
            results.TryComplete(e);
            throw;
        }
    }

    private static async Task ReleaseAllAsync(ChannelReader<Prepared> reader)
    {
        while (reader.TryRead(out var item))
        {
            await item.ReleaseAsync().ConfigureAwait(false);
        }
    }

    private async Task DecodeAsync(ChannelReader<ImageFile> work, ChannelWriter<Prepared> results, Dictionary<string, FileFingerprint> known, IngestTally tally, CancellationToken cancellationToken)
    {
        var tensorLength = embedder.Preprocessor.Spec.TensorLength;
        await foreach (var file in work.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (file.SizeBytes > options.MaxFileBytes)
            {
                tally.Failed(file.Path, $"the file is {file.SizeBytes} bytes, over the {options.MaxFileBytes}-byte limit");
                continue;
            }

            if (file.SizeBytes == 0)
            {
                // Not opened: an empty file holds no image, and a named pipe, socket or device (size 0 too) would block the read forever.
                tally.Failed(file.Path, "the file is empty (or not a regular file)");
                continue;
            }

            byte[] bytes;
            try
            {
                bytes = await File.ReadAllBytesAsync(file.Path, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                tally.Failed(file.Path, "the file is gone");
                continue;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                tally.Failed(file.Path, "cannot read the file: " + e.Message);
                continue;
            }

            var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes));
            var stamped = file with { SizeBytes = bytes.Length, Modified = ToStoredPrecision(file.Modified) };
            if (known.TryGetValue(file.Path, out var fingerprint) && fingerprint.Sha256 == sha256)
            {
                await results.WriteAsync(new Prepared(stamped, sha256, default, null, null), cancellationToken).ConfigureAwait(false);
                continue;
            }

            var tensor = ArrayPool<float>.Shared.Rent(tensorLength);
            ImageSize size;
            try
            {
                size = embedder.Preprocessor.Prepare(bytes, tensor.AsSpan(0, tensorLength));
            }
            catch (ImageDecodeException e)
            {
                ArrayPool<float>.Shared.Return(tensor);
                // The operator's own job: libvips' words help them see what is wrong with their file.
                tally.Failed(file.Path, e.MessageWithDetail);
                continue;
            }

            var prepared = new Prepared(stamped, sha256, size, embedder.InferAsync(tensor, cancellationToken), tensor);
            try
            {
                await results.WriteAsync(prepared, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await prepared.ReleaseAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    private async Task WriteAsync(ChannelReader<Prepared> results, IngestTally tally, CancellationToken cancellationToken)
    {
        var batch = new List<ImageRecord>(options.WriteBatchSize);
        var batchStarted = Stopwatch.StartNew();
        await foreach (var item in results.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (item.Embedding is null)
            {
                await store.TouchAsync(item.File.Path, item.File.SizeBytes, item.File.Modified, cancellationToken).ConfigureAwait(false);
                tally.Unchanged(item.File.Path);
                continue;
            }

            float[] vector;
            try
            {
                vector = await item.Embedding.ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                tally.Failed(item.File.Path, "inference failed: " + e.Message);
                continue;
            }
            finally
            {
                await item.ReleaseAsync().ConfigureAwait(false);
            }

            if (batch.Count == 0)
            {
                batchStarted.Restart();
            }

            batch.Add(new ImageRecord(item.File.Path, item.Sha256, item.File.SizeBytes, item.File.Modified, item.Size.Width, item.Size.Height, vector, item.File.Keep));
            if (batch.Count >= options.WriteBatchSize || batchStarted.Elapsed >= MaxCommitDelay)
            {
                await CommitAsync(batch, tally, cancellationToken).ConfigureAwait(false);
            }
        }

        await CommitAsync(batch, tally, cancellationToken).ConfigureAwait(false);
    }

    private async Task CommitAsync(List<ImageRecord> batch, IngestTally tally, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return;
        }

        var outcomes = await store.WriteBatchAsync(batch, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < batch.Count; i++)
        {
            tally.Written(batch[i].Source, outcomes[i].Outcome);
        }

        batch.Clear();
    }

    /// <summary>A file on its way to the writer: fingerprint, declared size, and its pending embedding (null: content unchanged).</summary>
    private sealed record Prepared(ImageFile File, string Sha256, ImageSize Size, Task<float[]>? Embedding, float[]? Tensor)
    {
        /// <summary>Returns the tensor to the pool once inference can no longer read it.</summary>
        public async Task ReleaseAsync()
        {
            if (Tensor is null || Embedding is null)
            {
                return;
            }

            await Embedding.ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
            ArrayPool<float>.Shared.Return(Tensor);
        }
    }
}
