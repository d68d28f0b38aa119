using ImageFinder.Api.Duplicates;
using ImageFinder.Api.Health;
using ImageFinder.Api.Hosting;
using ImageFinder.Api.Images;
using ImageFinder.Api.Labels;
using ImageFinder.Api.Map;
using ImageFinder.Api.Metrics;
using ImageFinder.Api.OpenApi;
using ImageFinder.Api.Search;
using ImageFinder.Api.Stats;
using ImageFinder.Api.Web;
using ImageFinder.Native;

try
{
    NativeLibraries.EnsureInstalled();
}
catch (NativeLibraryMissingException e)
{
    Console.Error.WriteLine("ImageFinder cannot start: " + e.Message);
    return 2;
}

var builder = WebApplication.CreateBuilder(args);

// Bad settings stop the process here, before anything is opened: one line per bad setting, each naming it, and exit
// code 2, as the CLI does (the host's own validation would end in an unhandled exception and its stack trace).
if (SettingsValidation.Failures(builder.Configuration) is { Count: > 0 } failures)
{
    foreach (var failure in failures)
    {
        Console.Error.WriteLine("error: " + failure);
    }

    return 2;
}

builder.AddImageFinder();
builder.AddImageFinderMetrics();
builder.Services.AddImageFinderHealthChecks();
builder.Services.AddImageFinderOpenApi();
builder.Services.AddCollectionMaps();
builder.Services.AddDuplicatesReports();
builder.Services.AddLabels();

var app = builder.Build();
app.UseWebPages();
app.UseImageFinderProtection();
app.UseImageFinderOpenApi();

app.MapHealthApi();
app.MapMetricsApi();
app.MapSearchApi();
app.MapImagesApi();
app.MapLabelsApi();
app.MapStatsApi();
app.MapDuplicatesApi();
app.MapCollectionMapApi();

await app.RunAsync();
return Environment.ExitCode;

/// <summary>The API host's entry point (public for WebApplicationFactory).</summary>
public partial class Program;
