using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace ImageFinder.Tests.Support;

/// <summary>
/// Completes when one host's ASP.NET Core hosting meter records a request to a route with a status
/// (<c>http.server.request.duration</c>). The host records it after the response has gone out, so a test that reads
/// <c>/metrics</c> right after its request waits for this first. Only the meter made by that host's
/// <see cref="IMeterFactory"/> counts: the host's own metrics pipeline subscribed to it before this listener, so it has
/// the measurement by the time this completes (another host's request could complete it too early).
/// </summary>
public sealed class HttpRequestRecorded : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly TaskCompletionSource recorded = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public HttpRequestRecorded(IServiceProvider host, string route, int status)
    {
        var meters = host.GetRequiredService<IMeterFactory>();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument is { Name: "http.server.request.duration", Meter.Name: "Microsoft.AspNetCore.Hosting" } && ReferenceEquals(instrument.Meter.Scope, meters))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            string? seenRoute = null;
            int? seenStatus = null;
            foreach (var tag in tags)
            {
                switch (tag.Key)
                {
                    case "http.route":
                        seenRoute = tag.Value as string;
                        break;
                    case "http.response.status_code":
                        seenStatus = Convert.ToInt32(tag.Value, System.Globalization.CultureInfo.InvariantCulture);
                        break;
                }
            }

            if (seenRoute == route && seenStatus == status)
            {
                recorded.TrySetResult();
            }
        });
        listener.Start();
    }

    /// <summary>Completes at the first such request after this object was made.</summary>
    public Task Task => recorded.Task;

    public void Dispose() => listener.Dispose();
}
