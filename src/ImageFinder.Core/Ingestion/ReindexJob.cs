using ImageFinder.Inference;
using ImageFinder.Storage;

namespace ImageFinder.Ingestion;

/// <summary>
/// Re-embeds every image of one collection with another model into a new database, keeping each image's id, source
/// (and so its label) and added time, so clients' ids stay valid; no id the old collection ever handed out (deleted
/// images' included) is given to a new image in the new one. The images are read again from their sources through the
/// ingest pipeline; a source that is gone is reported and skipped. The work is resumable: images already in the target
/// with an unchanged file are skipped, so a second run after Ctrl-C or a kill embeds nothing twice.
/// The source collection is opened read-only and never changed.
/// </summary>
public sealed class ReindexJob
{
    private readonly IImageEmbedder embedder;
    private readonly IImageStore target;
    private readonly IngestOptions? options;

    public ReindexJob(IImageEmbedder embedder, IImageStore target, IngestOptions? options = null)
    {
        this.embedder = embedder;
        this.target = target;
        this.options = options;
    }

    /// <summary>Re-embeds <paramref name="source"/>'s images into the target.</summary>
    /// <exception cref="CollectionMismatchException">The target holds images that are not <paramref name="source"/>'s (another collection's, or other ids).</exception>
    public async Task<IngestSummary> RunAsync(StoredCollection source, IProgress<IngestProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var images = source.Images();
        await CheckTargetBelongsToAsync(source, images, cancellationToken).ConfigureAwait(false);

        // Ids are never reused: an id the old collection handed out (its image deleted since) stays unused here too.
        await target.ReserveIdsUpToAsync(source.IdHighWaterMark(), cancellationToken).ConfigureAwait(false);

        var files = new List<ImageFile>(images.Count);
        var gone = new List<IngestFailure>();
        foreach (var image in images)
        {
            var file = new FileInfo(image.Source);
            if (file.Exists)
            {
                files.Add(new ImageFile(file.FullName, file.Length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero), new KeptIdentity(image.Id, image.Added)));
            }
            else
            {
                gone.Add(new IngestFailure(image.Source, $"the file of image {image.Id} is gone"));
            }
        }

        // Vanished sources count in the progress as failures before the pipeline starts, so the bar covers every image.
        for (var i = 0; i < gone.Count; i++)
        {
            progress?.Report(new IngestProgress(images.Count, 0, 0, 0, i + 1, gone[i].Path, gone[i]));
        }

        var offset = progress is null ? null : new OffsetProgress(progress, gone.Count);
        var summary = await new IngestJob(embedder, target, options).RunAsync(files, offset, cancellationToken).ConfigureAwait(false);
        return summary with { Failures = [.. gone.Concat(summary.Failures).OrderBy(f => f.Path, StringComparer.Ordinal)] };
    }

    /// <summary>
    /// A target may be new, or a re-index of this same source left unfinished; anything else (another collection's
    /// database given as --out by mistake) is refused before a single image is written.
    /// </summary>
    private async Task CheckTargetBelongsToAsync(StoredCollection source, IReadOnlyList<StoredImage> images, CancellationToken cancellationToken)
    {
        if (target is VectorStore file && string.Equals(Path.GetFullPath(source.Path), Path.GetFullPath(file.Path), StringComparison.Ordinal))
        {
            throw new CollectionMismatchException("The new database must be another file than the one re-indexed.");
        }

        var sourceIds = images.ToDictionary(image => image.Id, image => image.Source);
        foreach (var (path, fingerprint) in await target.LoadFingerprintsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!sourceIds.TryGetValue(fingerprint.Id, out var expected) || !string.Equals(expected, path, StringComparison.Ordinal))
            {
                throw new CollectionMismatchException(
                    $"'{target.Location}' already holds image {fingerprint.Id} ('{path}'), which is not image {fingerprint.Id} of '{source.Path}': it is not a re-index of that collection. Give --out a new file.");
            }
        }
    }

    /// <summary>The pipeline's progress with the vanished sources added to its failures and its total.</summary>
    private sealed class OffsetProgress(IProgress<IngestProgress> inner, int gone) : IProgress<IngestProgress>
    {
        public void Report(IngestProgress value) => inner.Report(value with { Total = value.Total + gone, Failed = value.Failed + gone });
    }
}
