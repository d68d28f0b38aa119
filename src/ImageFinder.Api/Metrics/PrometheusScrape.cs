using OpenTelemetry.Metrics;

namespace ImageFinder.Api.Metrics;

/// <summary>
/// One scrape of the host's <see cref="MeterProvider"/> in the Prometheus text format (or OpenMetrics when the scraper
/// asks for it), written by the OpenTelemetry exporter's own middleware, so that <c>GET /metrics</c> can be an ordinary
/// endpoint of <see cref="MetricsApi"/> with its filters and its OpenAPI description.
/// </summary>
public sealed class PrometheusScrape(IServiceProvider services)
{
    private readonly Lazy<RequestDelegate> exporter = new(() =>
        new ApplicationBuilder(services).UseOpenTelemetryPrometheusScrapingEndpoint(_ => true).Build());

    public Task WriteAsync(HttpContext context) => exporter.Value(context);
}
