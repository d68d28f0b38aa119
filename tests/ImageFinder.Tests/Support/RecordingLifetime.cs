using Microsoft.Extensions.Hosting;

namespace ImageFinder.Tests.Support;

/// <summary>
/// An application lifetime that only records a stop request, for a test that must keep asking a host whose engine
/// failed (the real lifetime stops the host at once, as it should in production).
/// </summary>
public sealed class RecordingLifetime : IHostApplicationLifetime
{
    public CancellationToken ApplicationStarted => CancellationToken.None;

    public CancellationToken ApplicationStopping => CancellationToken.None;

    public CancellationToken ApplicationStopped => CancellationToken.None;

    public bool StopRequested { get; private set; }

    public void StopApplication() => StopRequested = true;
}
