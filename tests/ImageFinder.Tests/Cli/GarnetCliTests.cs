using ImageFinder.Configuration;
using ImageFinder.Inference;
using ImageFinder.Ingestion;
using ImageFinder.Search;
using ImageFinder.Storage.Garnet;
using ImageFinder.Tests.Storage;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Cli;

/// <summary>The CLI as a child process pointed at a Garnet server by the same environment variables as the API.</summary>
public sealed class GarnetCliTests(GarnetServerFixture server) : IClassFixture<GarnetServerFixture>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private readonly TempFolder temp = new();

    [Fact]
    public async Task Shares_of_a_folder_ingested_by_separate_jobs_fill_one_collection_without_overlap_or_duplicates()
    {
        var folder = temp.Combine("images");
        TestImages.WriteCollection(folder, 12);
        var environment = Environment("shares");
        var data = Path.Combine(Path.GetDirectoryName(CliProcess.CliDll)!, "data");
        var hadData = Directory.Exists(data);

        var first = await CliProcess.RunAsync(Timeout, environment, "ingest", "--folder", folder, "--model", TestModel.Path, "--shard", "1/2");
        var second = await CliProcess.RunAsync(Timeout, environment, "ingest", "--folder", folder, "--model", TestModel.Path, "--shard", "2/2");
        // The first share given again by mistake: its images are there already, nothing is added twice.
        var again = await CliProcess.RunAsync(Timeout, environment, "ingest", "--folder", folder, "--model", TestModel.Path, "--shard", "1/2");

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.True(second.ExitCode == 0, second.Error);
        Assert.True(again.ExitCode == 0, again.Error);
        var added = Added(first.Output) + Added(second.Output);
        Assert.Equal(12, added);
        Assert.Equal(0, Added(again.Output));
        Assert.Contains("garnet prefix 'shares'", first.Output, StringComparison.Ordinal);
        using var embedder = OnnxImageEmbedder.Load(TestModel.Options());
        using var store = await GarnetStore.OpenAsync(Options("shares"), ImageSearch.CollectionFor(embedder.Model));
        var sources = (await store.LoadFingerprintsAsync()).Keys.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(FolderScanner.Scan(folder).Select(f => f.Path).Order(StringComparer.Ordinal), sources);
        Assert.True(hadData || !Directory.Exists(data), "the garnet jobs created a SQLite database");
    }

    [Fact]
    public async Task Search_and_duplicates_read_the_collection_the_environment_names()
    {
        var folder = temp.Combine("images");
        var paths = TestImages.WriteCollection(folder, 6);
        var environment = Environment("reads");
        var ingest = await CliProcess.RunAsync(Timeout, environment, "ingest", "--folder", folder, "--model", TestModel.Path);
        Assert.True(ingest.ExitCode == 0, ingest.Error);

        var search = await CliProcess.RunAsync(Timeout, environment, "search", "--image", paths[3], "--model", TestModel.Path, "--k", "2");
        var duplicates = await CliProcess.RunAsync(Timeout, environment, "duplicates", "--model", TestModel.Path);

        Assert.True(search.ExitCode == 0, search.Error);
        Assert.Contains(paths[3], search.Output.Split('\n')[0] + search.Output, StringComparison.Ordinal);
        Assert.True(duplicates.ExitCode == 0, duplicates.Error);
    }

    [Fact]
    public async Task Prune_removes_from_the_cluster_what_is_gone_from_the_folder()
    {
        var folder = temp.Combine("images");
        var paths = TestImages.WriteCollection(folder, 5);
        var environment = Environment("prune");
        var first = await CliProcess.RunAsync(Timeout, environment, "ingest", "--folder", folder, "--model", TestModel.Path);
        Assert.True(first.ExitCode == 0, first.Error);
        File.Delete(paths[1]);

        var pruned = await CliProcess.RunAsync(Timeout, environment, "ingest", "--folder", folder, "--model", TestModel.Path, "--prune");

        Assert.True(pruned.ExitCode == 0, pruned.Error);
        Assert.Contains("removed: " + paths[1], pruned.Output, StringComparison.Ordinal);
        Assert.Contains("0 added, 0 updated, 4 unchanged, 0 failed, 1 removed", pruned.Output, StringComparison.Ordinal);
        using var embedder = OnnxImageEmbedder.Load(TestModel.Options());
        using var store = await GarnetStore.OpenAsync(Options("prune"), ImageSearch.CollectionFor(embedder.Model));
        Assert.Equal(4, await store.CountAsync());
        Assert.DoesNotContain(paths[1], (await store.LoadFingerprintsAsync()).Keys);
    }

    [Fact]
    public async Task Download_with_ingest_fills_the_cluster_with_exactly_the_good_images()
    {
        await using var images = await TestImageServer.StartAsync();
        var csv = temp.Combine("urls.csv");
        await File.WriteAllLinesAsync(csv, ["url,label", $"{images.Url("/png/1")},a", $"{images.Url("/jpg/2")},b", $"{images.Url("/missing")},b"]);

        var run = await CliProcess.RunAsync(Timeout, Environment("download"), "download", "--csv", csv, "--out", temp.Combine("out"), "--ingest", "--model", TestModel.Path, "--retries", "1", "--retry-delay", "0.01");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("ingest done: 2 added, 0 updated, 0 unchanged, 0 failed", run.Output, StringComparison.Ordinal);
        using var embedder = OnnxImageEmbedder.Load(TestModel.Options());
        using var store = await GarnetStore.OpenAsync(Options("download"), ImageSearch.CollectionFor(embedder.Model));
        Assert.Equal(2, await store.CountAsync());
    }

    [Fact]
    public async Task Evaluate_syncs_a_labelled_folder_into_the_cluster_and_reports_on_it()
    {
        var set = temp.Combine("set");
        for (var c = 0; c < 2; c++)
        {
            TestImages.WriteCollection(Path.Combine(set, $"class{c}"), 3, firstPattern: c * 10);
        }

        var run = await CliProcess.RunAsync(Timeout, Environment("evaluate"), "evaluate", "--folder", set, "--model", TestModel.Path, "--format", "json");

        Assert.True(run.ExitCode == 0, run.Error);
        using var report = System.Text.Json.JsonDocument.Parse(run.Output);
        var evaluation = report.RootElement.GetProperty("evaluation");
        Assert.Equal(6, evaluation.GetProperty("images").GetInt32());
        Assert.Equal(2, evaluation.GetProperty("classes").GetInt32());
    }

    [Fact]
    public async Task Migrate_copies_a_SQLite_collection_to_Garnet_and_back_and_the_answers_stay_the_same()
    {
        var folder = temp.Combine("images");
        var paths = TestImages.WriteCollection(folder, 8);
        var database = temp.Combine("first.db");
        var back = temp.Combine("back.db");
        var noStore = new Dictionary<string, string?> { ["ImageFinder__Store"] = null };
        var ingest = await CliProcess.RunAsync(Timeout, noStore, "ingest", "--folder", folder, "--db", database, "--model", TestModel.Path);
        Assert.True(ingest.ExitCode == 0, ingest.Error);
        var environment = Environment("migrated");

        var there = await CliProcess.RunAsync(Timeout, environment, "migrate", "--to", "garnet", "--db", database);
        var again = await CliProcess.RunAsync(Timeout, environment, "migrate", "--to", "garnet", "--db", database);
        var home = await CliProcess.RunAsync(Timeout, environment, "migrate", "--to", "sqlite", "--db", back);

        Assert.True(there.ExitCode == 0, there.Error);
        Assert.Contains("done: 8 copied, 0 already there", there.Output, StringComparison.Ordinal);
        Assert.Contains("done: 0 copied, 8 already there", again.Output, StringComparison.Ordinal);
        Assert.True(home.ExitCode == 0, home.Error);
        var onGarnet = await CliProcess.RunAsync(Timeout, environment, "search", "--image", paths[2], "--model", TestModel.Path, "--k", "3");
        var onFile = await CliProcess.RunAsync(Timeout, noStore, "search", "--image", paths[2], "--db", back, "--model", TestModel.Path, "--k", "3");
        var onFirst = await CliProcess.RunAsync(Timeout, noStore, "search", "--image", paths[2], "--db", database, "--model", TestModel.Path, "--k", "3");
        Assert.True(onGarnet.ExitCode == 0, onGarnet.Error);
        Assert.Equal(3, Results(onFirst.Output).Count);
        Assert.Equal(Results(onFirst.Output), Results(onGarnet.Output));
        Assert.Equal(Results(onFirst.Output), Results(onFile.Output));
    }

    [Fact]
    public async Task Migrate_from_a_prefix_that_holds_nothing_is_refused_and_creates_no_file()
    {
        var back = temp.Combine("never.db");

        var run = await CliProcess.RunAsync(Timeout, Environment("empty-prefix"), "migrate", "--to", "sqlite", "--db", back);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("no collection under the garnet prefix 'empty-prefix'", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(back));
    }

    [Theory]
    [InlineData("ImageFinder__Garnet__Endpoints", "", "ImageFinder:Garnet:Endpoints")]
    [InlineData("ImageFinder__Garnet__Endpoints", "no-port", "ImageFinder:Garnet:Endpoints")]
    [InlineData("ImageFinder__Garnet__Shards", "0", "ImageFinder:Garnet:Shards")]
    [InlineData("ImageFinder__Garnet__Prefix", "has space", "ImageFinder:Garnet:Prefix")]
    [InlineData("ImageFinder__Store", "mongo", "ImageFinder:Store")]
    public async Task Bad_store_settings_are_refused_before_anything_is_opened_naming_the_setting(string variable, string value, string setting)
    {
        var environment = new Dictionary<string, string?>(Environment("bad")) { [variable] = value };

        var run = await CliProcess.RunAsync(Timeout, environment, "ingest", "--folder", temp.Path, "--model", TestModel.Path);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(setting, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_store_that_does_not_answer_is_a_clear_error_not_a_crash()
    {
        var environment = new Dictionary<string, string?>(Environment("down"))
        {
            ["ImageFinder__Garnet__Endpoints"] = "127.0.0.1:1",
            ["ImageFinder__Garnet__TimeoutMs"] = "500",
            ["ImageFinder__Garnet__Attempts"] = "1",
        };

        var run = await CliProcess.RunAsync(Timeout, environment, "ingest", "--folder", temp.Path, "--model", TestModel.Path);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("garnet store (ImageFinder:Garnet:Endpoints 127.0.0.1:1) does not answer", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    public void Dispose() => temp.Dispose();

    /// <summary>The hits of a search's output (index and source; the distances are checked by the store contract).</summary>
    private static List<string> Results(string output) =>
        [.. output.Split('\n').Select(line => line.Trim().Split('\t')).Where(fields => fields.Length == 3).Select(fields => fields[0] + " " + fields[2])];

    private static int Added(string output)
    {
        var line = output.Split('\n').Last(l => l.StartsWith("done:", StringComparison.Ordinal));
        return int.Parse(line.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    }

    private GarnetOptions Options(string prefix) => new() { Endpoints = server.Garnet.Endpoint, Prefix = prefix, Shards = 4 };

    private Dictionary<string, string?> Environment(string prefix) => new()
    {
        ["ImageFinder__Store"] = "garnet",
        ["ImageFinder__Garnet__Endpoints"] = server.Garnet.Endpoint,
        ["ImageFinder__Garnet__Prefix"] = prefix,
        ["ImageFinder__Garnet__Shards"] = "4",
    };
}
