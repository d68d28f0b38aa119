namespace ImageFinder.Storage;

/// <summary>Running counts of a migration, reported after every batch.</summary>
public sealed record MigrationProgress(int Total, int Copied, int Skipped)
{
    public int Done => Copied + Skipped;
}

/// <summary>What a migration did.</summary>
public sealed record MigrationSummary(int Copied, int Skipped, long TargetCount, TimeSpan Elapsed);

/// <summary>
/// Copies a collection into another store losslessly: every image keeps its id, source (so its label), content hash,
/// size, modification and added times, and its vector bit for bit; no id the source ever handed out (deleted images'
/// included) is given to a new image in the target. The source is only read. The copy is resumable: an image already
/// in the target with the same id and fingerprint is skipped, so a second run after an interruption copies only the
/// rest. A target that holds anything else (another collection's images, or the same sources under other ids) is
/// refused before a single image is written.
/// </summary>
public static class CollectionMigration
{
    /// <summary>Images written per batch.</summary>
    public const int BatchSize = 64;

    /// <exception cref="CollectionMismatchException">The target holds another model's vectors, another metric, or images that are not the source's.</exception>
    public static async Task<MigrationSummary> CopyAsync(ICollectionReader source, IImageStore target, IProgress<MigrationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        var started = System.Diagnostics.Stopwatch.StartNew();
        CheckSameVectors(source, target);
        var sourceImages = await source.LoadFingerprintsAsync(cancellationToken).ConfigureAwait(false);
        var targetImages = await target.LoadFingerprintsAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (path, held) in targetImages)
        {
            if (!sourceImages.TryGetValue(path, out var expected) || expected.Id != held.Id)
            {
                throw new CollectionMismatchException(
                    $"{target.Location} already holds image {held.Id} ('{path}'), which is not image {held.Id} of {source.Location}: it is not a copy of that collection. Migrate into an empty one.");
            }
        }

        // Ids are never reused: one the source handed out (its image deleted since) stays unused in the target too.
        await target.ReserveIdsUpToAsync(await source.ReadIdHighWaterMarkAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

        var total = sourceImages.Count;
        int copied = 0, skipped = 0;
        var batch = new List<ImageRecord>(BatchSize);
        await foreach (var (image, vector) in source.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (targetImages.TryGetValue(image.Source, out var held) && held == new FileFingerprint(image.Id, image.SizeBytes, image.Modified, image.Sha256))
            {
                skipped++;
                continue;
            }

            batch.Add(new ImageRecord(image.Source, image.Sha256, image.SizeBytes, image.Modified, image.Width, image.Height, vector, new KeptIdentity(image.Id, image.Added)));
            if (batch.Count == BatchSize)
            {
                copied += await FlushAsync(target, batch, cancellationToken).ConfigureAwait(false);
                progress?.Report(new MigrationProgress(total, copied, skipped));
            }
        }

        copied += await FlushAsync(target, batch, cancellationToken).ConfigureAwait(false);
        progress?.Report(new MigrationProgress(total, copied, skipped));
        return new MigrationSummary(copied, skipped, await target.CountAsync(cancellationToken).ConfigureAwait(false), started.Elapsed);
    }

    private static void CheckSameVectors(ICollectionReader source, IImageStore target)
    {
        var from = source.Collection;
        var to = target.Collection;
        if (from.Model != to.Model || from.Dimension != to.Dimension || from.Metric != to.Metric
            || (from.ModelSha256 is not null && to.ModelSha256 is not null && from.ModelSha256 != to.ModelSha256))
        {
            throw new CollectionMismatchException(
                $"{target.Location} holds '{to.Model}' vectors ({to.Dimension}-d, {to.Metric}), {source.Location} '{from.Model}' ones ({from.Dimension}-d, {from.Metric}): a migration copies into an empty collection or one of the same vectors.");
        }
    }

    private static async Task<int> FlushAsync(IImageStore target, List<ImageRecord> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return 0;
        }

        cancellationToken.ThrowIfCancellationRequested();
        await target.WriteBatchAsync(batch, cancellationToken).ConfigureAwait(false);
        var count = batch.Count;
        batch.Clear();
        return count;
    }
}
