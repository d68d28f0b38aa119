using ImageFinder.Storage;

namespace ImageFinder.Api.Labels;

/// <summary>
/// The last label count, kept while the collection's version stays the same: counting reads every source, so a page
/// that asks on every visit costs one version read (a pragma, or one GET on Garnet) instead.
/// </summary>
public sealed class LabelsCache
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private (IImageStore Store, long Version, LabelsResponse Answer)? last;

    public async Task<LabelsResponse> GetAsync(IImageStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        await gate.WaitAsync(cancellationToken);
        try
        {
            var version = await store.ReadVersionAsync(cancellationToken);
            if (last is { } kept && ReferenceEquals(kept.Store, store) && kept.Version == version)
            {
                return kept.Answer;
            }

            var (labels, unlabelled) = await CollectionLabels.CountAsync(store, cancellationToken);
            var answer = new LabelsResponse(labels.Select(l => new LabelCount(l.Label, l.Count)).ToList(), unlabelled);
            last = (store, version, answer);
            return answer;
        }
        finally
        {
            gate.Release();
        }
    }
}
