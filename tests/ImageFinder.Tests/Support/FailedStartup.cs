using ImageFinder.Api.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;

namespace ImageFinder.Tests.Support;

/// <summary>
/// Starts a host with the API's own registrations (<see cref="ImageFinderHostingExtensions.AddImageFinder"/>,
/// as Program.cs does) and returns why start-up failed. Not through WebApplicationFactory: when start-up fails,
/// its deferred host races the entry point's disposal and sometimes reports an ObjectDisposedException instead
/// of the real error (dotnet/aspnetcore#33494).
/// </summary>
public static class FailedStartup
{
    public static async Task<Exception> CatchAsync(string database, IDictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ImageFinder:Database"] = database,
            ["ImageFinder:ModelPath"] = TestModel.Path,
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddImageFinder();
        await using var app = builder.Build();
        return await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());
    }
}
