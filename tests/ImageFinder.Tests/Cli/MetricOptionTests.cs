using ImageFinder.Storage;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Cli;

public sealed class MetricOptionTests : IDisposable
{
    private readonly TempFolder temp = new();

    private string Database => temp.Combine("metric.db");

    private string Images => temp.Combine("images");

    [Fact]
    public async Task Ingest_creates_the_database_with_the_metric_and_later_runs_keep_it_with_a_warning()
    {
        var paths = TestImages.WriteCollection(Images, 4);

        var created = await CliRunner.RunAsync("ingest", "--folder", Images, "--db", Database, "--model", TestModel.Path, "--metric", "cosine");
        var conflicting = await CliRunner.RunAsync("ingest", "--folder", Images, "--db", Database, "--model", TestModel.Path, "--metric", "l1");
        var search = await CliRunner.RunAsync("search", "--image", paths[0], "-k", "4", "--db", Database, "--model", TestModel.Path);

        Assert.Equal(0, created.ExitCode);
        Assert.Contains("(cosine distance)", created.Output);
        Assert.Equal(0, conflicting.ExitCode);
        Assert.Contains("warning: --metric 'l1' is ignored", conflicting.Error);
        Assert.Contains("created with the 'cosine' metric", conflicting.Error);
        Assert.Contains("(cosine distance)", conflicting.Output);
        using (var store = VectorStore.Open(Database, new CollectionInfo(ModelName(search.Output), 2048)))
        {
            Assert.Equal(CollectionInfo.Cosine, store.Collection.Metric);
        }

        // Cosine distances of non-negative CNN features lie in [0, 1]; the image itself is at 0.
        var distances = search.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => float.Parse(l.Split('\t')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(4, distances.Count);
        Assert.Equal(0f, distances[0], 4);
        Assert.All(distances, d => Assert.InRange(d, 0f, 1f));
    }

    [Fact]
    public async Task An_unknown_metric_is_an_error_naming_the_option_and_creates_nothing()
    {
        Directory.CreateDirectory(Images);

        var (exitCode, _, error) = await CliRunner.RunAsync("ingest", "--folder", Images, "--db", Database, "--model", TestModel.Path, "--metric", "dot");

        Assert.Equal(2, exitCode);
        Assert.Contains("--metric: 'dot' is not a distance metric", error);
        Assert.False(File.Exists(Database));
    }

    public void Dispose() => temp.Dispose();

    private static string ModelName(string searchOutput) => searchOutput.Split('\n')[0]["model: ".Length..].Trim();
}
