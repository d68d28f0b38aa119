using System.Text.Json;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Cli;

public sealed class DuplicatesCommandTests : IDisposable
{
    private readonly TempFolder temp = new();

    private string Database => temp.Combine("dup.db");

    private string Images => temp.Combine("images");

    [Theory]
    [InlineData("l2", null)]
    [InlineData("l1", null)]
    // The tiny test model's features all point nearly the same way (two distinct patterns here are at cosine distance
    // 0.035, copies at 0.00006), so the cosine default (0.05, meant for ResNet-50) is too loose for it.
    [InlineData("cosine", "0.005")]
    public async Task Re_encoded_and_resized_copies_form_one_group_per_original(string metric, string? maxDistance)
    {
        DuplicateSet.Write(Images);
        await CliRunner.RunAsync("ingest", "--folder", Images, "--db", Database, "--model", TestModel.Path, "--metric", metric);

        string[] threshold = maxDistance is null ? [] : ["--max-distance", maxDistance];
        var (exitCode, output, error) = await CliRunner.RunAsync(["duplicates", "--db", Database, "--model", TestModel.Path, "--format", "json", .. threshold]);

        Assert.True(exitCode == 0, error);
        using var document = JsonDocument.Parse(output);
        var duplicates = document.RootElement.GetProperty("duplicates");
        Assert.Equal(metric, duplicates.GetProperty("metric").GetString());
        Assert.Equal(maxDistance is null, duplicates.GetProperty("defaultThreshold").GetBoolean());
        Assert.Equal(DuplicateSet.Count, duplicates.GetProperty("images").GetInt32());
        var groups = duplicates.GetProperty("groups").EnumerateArray()
            .Select(g => g.GetProperty("images").EnumerateArray().Select(i => Path.GetFileName(i.GetProperty("source").GetString()!)).ToList())
            .ToList();
        Assert.True(groups.Count == 2, output);
        Assert.Equal(["a-copy.png", "a-q60.jpg", "a-small.jpg", "a.png"], groups[0].Order(StringComparer.Ordinal));
        Assert.Equal(["b-q60.jpg", "b-small.webp", "b.png"], groups[1].Order(StringComparer.Ordinal));

        // The first image of a group is a largest one (640x480), at distance 0 from itself; the others are within the threshold.
        var first = duplicates.GetProperty("groups")[1].GetProperty("images");
        Assert.Equal(640, first[0].GetProperty("width").GetInt32());
        Assert.Equal(0f, first[0].GetProperty("distance").GetSingle());
        Assert.All(first.EnumerateArray().Skip(1), i => Assert.InRange(i.GetProperty("distance").GetSingle(), 1e-6f, duplicates.GetProperty("maxDistance").GetSingle()));
    }

    [Fact]
    public async Task The_table_lists_each_group_and_a_zero_threshold_keeps_only_identical_files()
    {
        DuplicateSet.Write(Images);
        await CliRunner.RunAsync("ingest", "--folder", Images, "--db", Database, "--model", TestModel.Path);

        var (exitCode, output, _) = await CliRunner.RunAsync("duplicates", "--db", Database, "--model", TestModel.Path, "--max-distance", "0");

        Assert.Equal(0, exitCode);
        Assert.StartsWith("1 groups of near-duplicates, 2 of 13 images (l2 distance, max distance 0)", output);
        Assert.Contains("group 1 (2 images; the first is the largest):", output);
        Assert.Contains("0.0000\t640x480\t" + Path.Combine(Images, "a-copy.png"), output);
        Assert.Contains("0.0000\t640x480\t" + Path.Combine(Images, "a.png"), output);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("NaN")]
    public async Task A_bad_max_distance_is_an_error(string value)
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("duplicates", "--db", Database, "--model", TestModel.Path, "--max-distance", value);

        Assert.Equal(2, exitCode);
        Assert.Contains("--max-distance", error);
    }

    public void Dispose() => temp.Dispose();
}
