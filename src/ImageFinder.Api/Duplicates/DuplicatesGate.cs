namespace ImageFinder.Api.Duplicates;

/// <summary>
/// Lets one duplicates report run at a time: each holds every vector in memory (8 KiB per image at 2048-d) and
/// keeps the cores busy, so a request while one runs is answered 503 with <c>Retry-After</c> instead.
/// </summary>
public sealed class DuplicatesGate : IDisposable
{
    internal SemaphoreSlim Semaphore { get; } = new(1, 1);

    public void Dispose() => Semaphore.Dispose();
}
