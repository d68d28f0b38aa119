namespace ImageFinder.Tests.Api;

/// <summary>
/// <see cref="CollectionFixture"/> with a small batch body limit (4 MiB: a few 1 MiB uploads), so that a batch over it is
/// cheap to send. Its own host, so the inference runs its tests count are theirs alone.
/// </summary>
public sealed class BatchCollectionFixture : CollectionFixture
{
    public const long BatchLimit = 4L * 1024 * 1024;

    public static IReadOnlyDictionary<string, string?> BatchSettings { get; } = new Dictionary<string, string?>
    {
        ["ImageFinder:MaxBatchUploadBytes"] = BatchLimit.ToString(),
    };

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => BatchSettings;
}
