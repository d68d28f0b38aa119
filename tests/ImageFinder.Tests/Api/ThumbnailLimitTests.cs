using System.Net;
using ImageFinder.Imaging;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Api;

/// <summary>Thumbnails decode under the same pixel limit as searches: a stored image over it is refused, its original still served.</summary>
public sealed class ThumbnailLimitTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task A_stored_image_over_the_pixel_limit_gets_422_for_a_thumbnail_and_its_file_as_it_is()
    {
        // Ingested under the default limit, then served by an API whose limit is lower.
        var folder = temp.Combine("images");
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, "large.jpg"), TestImages.Pattern(3, 1200, 900, EncodedFormat.Jpeg));
        var database = temp.Combine("t.db");
        var (exitCode, output, error) = await CliRunner.RunAsync("ingest", "--folder", folder, "--db", database, "--model", TestModel.Path);
        Assert.True(exitCode == 0, output + error);

        using var api = new ApiFactory(database, new Dictionary<string, string?> { ["ImageFinder:MaxImagePixels"] = "500000" });
        var client = await api.CreateReadyClientAsync();

        using var thumbnail = await client.GetAsync("/images/1/file?size=160");
        var problem = await Problem.AssertAsync(thumbnail, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("TooManyPixels", problem.GetProperty("reason").GetString());
        Assert.Contains("1200x900", problem.GetProperty("detail").GetString());

        using var original = await client.GetAsync("/images/1/file");
        Assert.Equal(HttpStatusCode.OK, original.StatusCode);
        Assert.Equal("image/jpeg", original.Content.Headers.ContentType?.MediaType);
    }
}
