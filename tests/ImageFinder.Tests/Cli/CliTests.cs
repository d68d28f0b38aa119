using System.CommandLine;
using ImageFinder.Cli.Commands;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Cli;

public sealed class CliTests : IDisposable
{
    private readonly TempFolder temp = new();

    private string Database => temp.Combine("cli.db");

    private string Images => temp.Combine("images");

    [Fact]
    public async Task Ingest_reports_a_summary_and_is_idempotent()
    {
        TestImages.WriteCollection(Images, 6);
        File.WriteAllText(Path.Combine(Images, "broken.png"), "not a png");

        var first = await Ingest();
        var second = await Ingest();

        Assert.Equal(0, first.ExitCode);
        Assert.Contains("done: 6 added, 0 updated, 0 unchanged, 1 failed", first.Output);
        Assert.Contains("6 images in the database", first.Output);
        Assert.Contains("failed: " + Path.Combine(Images, "broken.png"), first.Error);
        Assert.Contains("TEST model", first.Error);
        Assert.Contains("progress: 7/7", first.Output);
        Assert.Contains("done: 0 added, 0 updated, 6 unchanged, 1 failed", second.Output);
    }

    [Fact]
    public async Task Search_prints_the_image_itself_first()
    {
        var paths = TestImages.WriteCollection(Images, 5);
        await Ingest();

        var (exitCode, output, _) = await CliRunner.RunAsync("search", "--image", paths[3], "-k", "2", "--db", Database, "--model", TestModel.Path);

        Assert.Equal(0, exitCode);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("model: tiny-test-cnn", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.EndsWith(paths[3], lines[1]);
        Assert.Equal("0.0000", lines[1].Split('\t')[1]);
    }

    [Fact]
    public async Task Search_filters_by_label_and_size_and_says_which_filter_it_applied()
    {
        var dogs = TestImages.WriteCollection(Path.Combine(Images, "dogs"), 4);
        var cats = TestImages.WriteCollection(Path.Combine(Images, "cats"), 2, firstPattern: 10);
        await Ingest();

        var (exitCode, output, _) = await CliRunner.RunAsync("search", "--image", dogs[0], "-k", "5", "--label", "cats", "--db", Database, "--model", TestModel.Path);

        Assert.Equal(0, exitCode);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("filter: label in [cats]", lines[1]);
        Assert.Equal(cats.Order(), lines.Skip(2).Select(line => line.Split('\t')[2]).Order());

        // Widths are 320, 360, 400, 440 for the dogs: two are at least 400.
        var (_, sized, _) = await CliRunner.RunAsync("search", "--image", dogs[0], "-k", "5", "--label", "dogs", "--label", "birds", "--min-width", "400", "--db", Database, "--model", TestModel.Path);
        Assert.Equal([dogs[2], dogs[3]], sized.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(2).Select(line => line.Split('\t')[2]).Order());
    }

    [Theory]
    [InlineData("--added-after", "soon")]
    [InlineData("--min-width", "-4")]
    public async Task A_bad_search_filter_is_a_clear_error_naming_the_option(string option, string value)
    {
        var paths = TestImages.WriteCollection(Images, 2);
        await Ingest();

        var (exitCode, _, error) = await CliRunner.RunAsync("search", "--image", paths[0], option, value, "--db", Database, "--model", TestModel.Path);

        Assert.Equal(2, exitCode);
        Assert.Contains(option, error);
    }

    [Fact]
    public async Task A_missing_model_is_a_clear_error_naming_the_option()
    {
        Directory.CreateDirectory(Images);
        var (exitCode, _, error) = await CliRunner.RunAsync("ingest", "--folder", Images, "--db", Database, "--model", temp.Combine("nope.onnx"));

        Assert.Equal(2, exitCode);
        Assert.Contains("--model", error);
        Assert.Contains("nope.onnx", error);
        Assert.False(File.Exists(Database));
    }

    [Fact]
    public async Task A_missing_folder_is_a_clear_error()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("ingest", "--folder", temp.Combine("absent"), "--db", Database, "--model", TestModel.Path);

        Assert.Equal(2, exitCode);
        Assert.Contains("does not exist", error);
    }

    [Fact]
    public async Task Ingest_without_folder_is_a_usage_error()
    {
        var (exitCode, _, error) = await CliRunner.RunAsync("ingest", "--db", Database);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("--folder", error);
    }

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Threads_and_sessions_fill_the_cores_when_one_is_left_out()
    {
        var cores = Environment.ProcessorCount;
        var threads = CommonOptions.Threads();
        var sessions = CommonOptions.Sessions();
        (int, int) Resolve(params string[] args) => CommonOptions.Inference(new RootCommand { threads, sessions }.Parse(args), threads, sessions);

        Assert.Equal((1, cores), Resolve());                                  // neither: one single-threaded session per core
        Assert.Equal((2, Math.Max(1, cores / 2)), Resolve("--threads", "2")); // threads: sessions fill the cores
        Assert.Equal((Math.Max(1, cores / 2), 2), Resolve("--sessions", "2")); // sessions: threads fill the cores
        Assert.Equal((3, 5), Resolve("--threads", "3", "--sessions", "5"));   // both: as given
    }

    [Fact]
    public async Task Ingest_with_two_single_threaded_sessions_stores_the_vectors_one_session_does()
    {
        var paths = TestImages.WriteCollection(Images, 6);
        var (exitCode, output, _) = await CliRunner.RunAsync("ingest", "--folder", Images, "--db", Database, "--model", TestModel.Path, "--sessions", "2", "--threads", "1", "--batch-size", "2");
        Assert.Equal(0, exitCode);
        Assert.Contains("done: 6 added", output);

        var other = temp.Combine("one-session.db");
        Assert.Equal(0, (await CliRunner.RunAsync("ingest", "--folder", Images, "--db", other, "--model", TestModel.Path, "--sessions", "1", "--threads", "2")).ExitCode);

        // The same two nearest files at the same distances in both databases (ids may differ: the decoders race).
        static string[] Answer(string output) => [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(line => line[(line.IndexOf('\t') + 1)..])];
        foreach (var path in paths.Take(3))
        {
            var two = await CliRunner.RunAsync("search", "--image", path, "-k", "2", "--db", Database, "--model", TestModel.Path);
            var one = await CliRunner.RunAsync("search", "--image", path, "-k", "2", "--db", other, "--model", TestModel.Path);
            Assert.Equal(2, Answer(two.Output).Length);
            Assert.Equal(Answer(one.Output), Answer(two.Output));
        }
    }

    [Fact]
    public async Task Zero_sessions_is_a_clear_error_naming_the_option()
    {
        Directory.CreateDirectory(Images);
        var (exitCode, _, error) = await CliRunner.RunAsync("ingest", "--folder", Images, "--db", Database, "--model", TestModel.Path, "--sessions", "0");

        Assert.Equal(2, exitCode);
        Assert.Contains("--sessions", error);
        Assert.False(File.Exists(Database));
    }

    private Task<(int ExitCode, string Output, string Error)> Ingest() =>
        CliRunner.RunAsync("ingest", "--folder", Images, "--db", Database, "--model", TestModel.Path, "--threads", "2");
}
