using System.Text;
using ImageFinder.Download;
using ImageFinder.Imaging;
using ImageFinder.Inference;
using ImageFinder.Storage;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Download;

public sealed class DownloadCommandTests : IAsyncLifetime, IDisposable
{
    private readonly TempFolder temp = new();
    private TestImageServer server = null!;

    private string Csv => temp.Combine("images.csv");

    private string Output => temp.Combine("out");

    private string Database => temp.Combine("cli.db");

    public async Task InitializeAsync() => server = await TestImageServer.StartAsync();

    public async Task DisposeAsync() => await server.DisposeAsync();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task A_mixed_csv_saves_every_good_image_reports_every_bad_url_and_resumes()
    {
        WriteCsv(
            "label,url,filename,id",
            $"cats,{server.Url("/png/1")},,",
            $"cats,{server.Url("/jpg/2")},,",
            $"dogs,{server.Url("/png/3")},cat.jpg,",
            $"dogs,{server.Url("/png/4")},cat.jpg,",
            $",{server.Url("/flaky/5")},,flaky-five",
            $",{server.Url("/busy/6")},,",
            $",{server.Url("/png/7")},../../etc/passwd,",
            $",{server.Url("/png/8")},..\\evil.jpg,",
            $",{server.Url("/files/%2e%2e%2fescape.png")},,",
            $",{server.Url("/missing")},,",
            $",{server.Url("/html")},,",
            $",{server.Url("/loop")},,",
            $",{server.Url("/hang")},,",
            $",{server.Url("/truncated")},,",
            ",ftp://127.0.0.1/image.png,,",
            ",file:///etc/passwd,,");

        var first = await DownloadWithTimeout("1");
        var goodHits = GoodPaths.Select(server.Hits).ToList();
        var second = await DownloadWithTimeout("1");

        Assert.Equal(0, first.ExitCode);
        Assert.Contains("done: 9 downloaded, 0 skipped (already present), 7 failed", first.Output);
        Assert.Contains("progress: 16/16", first.Output);
        Assert.Contains("done: 0 downloaded, 9 skipped (already present), 7 failed", second.Output);
        // 1 request, or 2 for the flaky ones; one more if a cold first request ran past the 1 s timeout.
        Assert.All(goodHits, hits => Assert.InRange(hits, 1, 3));
        Assert.Equal(goodHits, GoodPaths.Select(server.Hits).ToList());

        string[] expected =
        [
            Path.Combine("cats", "1.png"), Path.Combine("cats", "2.jpg"), Path.Combine("dogs", "cat.png"),
            Path.Combine("dogs", $"cat-{FileNamer.ShortHash(new Uri(server.Url("/png/4")))}.png"),
            "6.png", "escape.png", "etc_passwd.png", "evil.png", FailureReport.FileName, "flaky-five.png",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), Files(Output));
        Assert.All(Files(Output).Where(f => f != FailureReport.FileName), f => AssertDecodable(Path.Combine(Output, f)));
        Assert.Equal(["images.csv", "out"], Directory.GetFileSystemEntries(temp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        var failures = File.ReadAllLines(Path.Combine(Output, FailureReport.FileName));
        Assert.Equal("url,reason,attempts", failures[0]);
        Assert.Equal(8, failures.Length);
        AssertFailureLine(failures, "/missing", "404");
        AssertFailureLine(failures, "/html", "not an image");
        AssertFailureLine(failures, "/loop", "too many redirects");
        AssertFailureLine(failures, "/hang", "timed out");
        AssertFailureLine(failures, "/truncated", "truncated");
        AssertFailureLine(failures, "ftp://", "scheme");
        AssertFailureLine(failures, "file://", "scheme");
        Assert.Contains($"failed: {server.Url("/missing")}: HTTP 404", first.Error);
    }

    [Fact]
    public async Task Ingest_embeds_exactly_the_good_images_and_a_rerun_adds_nothing()
    {
        WriteCsv("url,label", $"{server.Url("/png/1")},a", $"{server.Url("/jpg/2")},a", $"{server.Url("/png/3")},b", $"{server.Url("/missing")},b", $"{server.Url("/html")},b");

        var first = await Download("--ingest", "--db", Database, "--model", TestModel.Path, "--threads", "2");
        var second = await Download("--ingest", "--db", Database, "--model", TestModel.Path, "--threads", "2");

        Assert.Equal(0, first.ExitCode);
        Assert.Contains("done: 3 downloaded, 0 skipped (already present), 2 failed", first.Output);
        Assert.Contains("ingest done: 3 added, 0 updated, 0 unchanged, 0 failed", first.Output);
        Assert.Contains("3 images in the database", first.Output);
        Assert.Contains("done: 0 downloaded, 3 skipped (already present), 2 failed", second.Output);
        Assert.Contains("ingest done: 0 added, 0 updated, 3 unchanged, 0 failed", second.Output);

        using var embedder = OnnxImageEmbedder.Load(TestModel.Options());
        using var store = VectorStore.Open(Database, new CollectionInfo(embedder.Model.Name, embedder.Model.Dimension));
        Assert.Equal(3, await store.CountAsync());
        Assert.Equal(
            [Path.Combine(Output, "a", "1.png"), Path.Combine(Output, "a", "2.jpg"), Path.Combine(Output, "b", "3.png")],
            store.LoadFingerprints().Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_csv_without_a_url_column_fails_before_any_request()
    {
        WriteCsv("link,label", $"{server.Url("/png/1")},a");

        var (exitCode, _, error) = await Download();

        Assert.Equal(2, exitCode);
        Assert.Contains("no 'url' column", error);
        Assert.Equal(0, server.TotalHits);
        Assert.False(Directory.Exists(Output));
    }

    [Fact]
    public async Task Bad_options_and_a_missing_csv_are_clear_errors()
    {
        WriteCsv("url", server.Url("/png/1"));

        var concurrency = await CliRunner.RunAsync("download", "--csv", Csv, "--out", Output, "--concurrency", "0");
        var missing = await CliRunner.RunAsync("download", "--csv", temp.Combine("absent.csv"), "--out", Output);
        var badModel = await CliRunner.RunAsync("download", "--csv", Csv, "--out", Output, "--ingest", "--db", Database, "--model", temp.Combine("nope.onnx"));

        Assert.Equal((2, 2, 2), (concurrency.ExitCode, missing.ExitCode, badModel.ExitCode));
        Assert.Contains("--concurrency", concurrency.Error);
        Assert.Contains("does not exist", missing.Error);
        Assert.Contains("--model", badModel.Error);
        Assert.Equal(0, server.TotalHits);
    }

    private static IEnumerable<string> GoodPaths => ["/png/1", "/jpg/2", "/png/3", "/png/4", "/flaky/5", "/busy/6", "/png/7", "/png/8", "/files/..%2Fescape.png"];

    private static void AssertFailureLine(string[] lines, string url, string reason) =>
        Assert.Contains(lines, line => line.Contains(url, StringComparison.Ordinal) && line.Contains(reason, StringComparison.OrdinalIgnoreCase));

    private static void AssertDecodable(string path) =>
        new ImagePreprocessor(PreprocessingSpec.ImageNet, 50_000_000).Prepare(File.ReadAllBytes(path), new float[PreprocessingSpec.ImageNet.TensorLength]);

    private static List<string> Files(string folder) =>
        Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(folder, p)).Order(StringComparer.Ordinal).ToList();

    private void WriteCsv(params string[] lines) => File.WriteAllText(Csv, string.Join('\n', lines) + "\n", Encoding.UTF8);

    private Task<(int ExitCode, string Output, string Error)> Download(params string[] extra) => DownloadWithTimeout("20", extra);

    private Task<(int ExitCode, string Output, string Error)> DownloadWithTimeout(string timeout, params string[] extra) =>
        CliRunner.RunAsync(["download", "--csv", Csv, "--out", Output, "--retries", "2", "--retry-delay", "0.01", "--timeout", timeout, .. extra]);
}
