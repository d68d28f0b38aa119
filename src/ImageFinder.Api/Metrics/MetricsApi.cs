using ImageFinder.Api.Hosting;
using ImageFinder.Api.Security;
using ImageFinder.Configuration;
using ImageFinder.Diagnostics;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace ImageFinder.Api.Metrics;

/// <summary>
/// <c>GET /metrics</c>: the host's measurements in the Prometheus text format, through OpenTelemetry. ASP.NET Core's
/// own meters (<c>http.server.request.duration</c> by route and status, Kestrel's connections), the .NET runtime's
/// (GC, thread pool), and ImageFinder's (<see cref="ImageFinderMeter"/>: inference batches and queue, decode, KNN by
/// mode, images in the collection, ingestion). <c>ImageFinder:Metrics</c> (default on) turns it on; it needs the API key
/// when reads do (<c>ImageFinder:ProtectReads</c>).
/// </summary>
public static class MetricsApi
{
    /// <summary>The service name the scrape's <c>target_info</c> carries.</summary>
    public const string ServiceName = "imagefinder";

    /// <summary>The meters of ASP.NET Core and .NET that are exported besides ImageFinder's.</summary>
    public static readonly IReadOnlyList<string> PlatformMeters = ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime"];

    /// <summary>OpenTelemetry metrics with the Prometheus exporter, unless <c>ImageFinder:Metrics</c> is off.</summary>
    public static WebApplicationBuilder AddImageFinderMetrics(this WebApplicationBuilder builder)
    {
        if (!MetricsEnabled(builder.Configuration))
        {
            return builder;
        }

        builder.Services.AddSingleton<PrometheusScrape>();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithMetrics(metrics => metrics
                .AddMeter(ImageFinderMeter.Name)
                .AddMeter([.. PlatformMeters])
                // Every scrape collects anew: scrapers come every few seconds at most, and a cached answer would hide
                // what happened since the last one.
                .AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0));
        return builder;
    }

    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder routes)
    {
        if (!routes.ServiceProvider.GetRequiredService<IOptions<ApiOptions>>().Value.Metrics)
        {
            return routes;
        }

        routes.MapGroup("/metrics").WithTags("Metrics").RequireApiKeyForReads()
            .MapGet("/", ScrapeAsync)
            .WithName("Metrics")
            .WithSummary("Measurements for Prometheus: HTTP requests, inference, decode, KNN, the collection")
            .WithDescription(
                "The Prometheus text exposition format (OpenMetrics when the Accept header asks for it). ImageFinder's own " +
                "series start with imagefinder_ (the README lists them); http_server_request_duration_seconds has every " +
                "endpoint by http_route and http_response_status_code. Off when ImageFinder:Metrics is false (404); needs " +
                "X-Api-Key when ImageFinder:ProtectReads is on.")
            .Produces<string>(StatusCodes.Status200OK, "text/plain")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return routes;
    }

    private static Task ScrapeAsync(HttpContext context, PrometheusScrape scrape) => scrape.WriteAsync(context);

    /// <summary><c>ImageFinder:Metrics</c> as the options bind it (before the host is built; a bad value was reported by the settings validation).</summary>
    private static bool MetricsEnabled(IConfiguration configuration) =>
        configuration.GetSection(ImageFinderOptions.SectionName).GetValue(nameof(ApiOptions.Metrics), true);
}
