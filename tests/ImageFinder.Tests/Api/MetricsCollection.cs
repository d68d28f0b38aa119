namespace ImageFinder.Tests.Api;

/// <summary>
/// The <c>/metrics</c> tests, run alone after the parallel ones. ASP.NET Core's meters belong to each host, and
/// OpenTelemetry feeds every host's <c>http.server.request.duration</c> into one series per process: when another
/// test's host is disposed, its instrument ends and the exporter drops that series, also for the hosts still
/// running (a production process has one host, so only tests see this).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "Metrics";
}
