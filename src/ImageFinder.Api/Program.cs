using ImageFinder.Api.Duplicates;
using ImageFinder.Api.Health;
using ImageFinder.Api.Hosting;
using ImageFinder.Api.Images;
using ImageFinder.Api.Map;
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
builder.AddImageFinder();
builder.Services.AddImageFinderOpenApi();
builder.Services.AddCollectionMaps();
builder.Services.AddDuplicatesReports();

var app = builder.Build();
app.UseWebPages();
app.UseImageFinderProtection();
app.UseImageFinderOpenApi();

app.MapHealthApi();
app.MapSearchApi();
app.MapImagesApi();
app.MapStatsApi();
app.MapDuplicatesApi();
app.MapMapApi();

// Invalid settings stop start-up here with an OptionsValidationException naming each setting.
await app.RunAsync();
return Environment.ExitCode;

/// <summary>The API host's entry point (public for WebApplicationFactory).</summary>
public partial class Program;
