using System.Globalization;
using CsvHelper;
using ImageFinder.Download;
using ImageFinder.Imaging;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Download;

public sealed class DownloadJobTests : IAsyncLifetime, IDisposable
{
    /// <summary>
    /// Tiny delays so retries are quick, and a circuit that never opens unless a test wants it to. The
    /// timeout stays generous: a cold first request on a busy 2-core machine can take over a second, and
    /// an extra timeout would change the attempt counts these tests check. The hang test shortens it.
    /// </summary>
    private static readonly DownloadOptions Fast = new()
    {
        Concurrency = 4,
        MaxRetries = 2,
        BaseDelay = TimeSpan.FromMilliseconds(10),
        MaxDelay = TimeSpan.FromMilliseconds(50),
        MaxRetryAfter = TimeSpan.FromMilliseconds(200),
        RequestTimeout = TimeSpan.FromSeconds(20),
        CircuitMinimumThroughput = 10_000,
    };

    private readonly TempFolder temp = new();
    private TestImageServer server = null!;

    private string Output => temp.Combine("out");

    public async Task InitializeAsync() => server = await TestImageServer.StartAsync();

    public async Task DisposeAsync() => await server.DisposeAsync();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Good_urls_become_complete_decodable_files_named_by_their_format()
    {
        var summary = await Run(Fast, Row("/png/1"), Row("/jpg/2"), Row("/octet/3"), Row("/redirect/4"), Row("/png/5", fileName: "renamed.gif"));

        Assert.Equal((5, 0, 0), (summary.Downloaded, summary.Skipped, summary.Failed));
        AssertImage(Path.Combine(Output, "1.png"), server.Png(1));
        AssertImage(Path.Combine(Output, "2.jpg"), server.Jpeg(2));
        AssertImage(Path.Combine(Output, "3.png"), server.Png(3));
        AssertImage(Path.Combine(Output, "4.png"), server.Png(4));
        AssertImage(Path.Combine(Output, "renamed.png"), server.Png(5));
        Assert.Equal(summary.Files.Sum(f => new FileInfo(f).Length), summary.Bytes);
        Assert.Null(summary.FailureReport);
        Assert.False(File.Exists(Path.Combine(Output, FailureReport.FileName)));
        AssertNoTempFiles();
    }

    [Fact]
    public async Task Transient_failures_are_retried_until_the_file_arrives()
    {
        var summary = await Run(Fast, Row("/flaky/1"), Row("/busy/2"), Row("/busy-date/3"));

        Assert.Equal((3, 0), (summary.Downloaded, summary.Failed));
        Assert.Equal(2, server.Hits("/flaky/1"));
        Assert.Equal(2, server.Hits("/busy/2"));
        Assert.Equal(2, server.Hits("/busy-date/3"));
        AssertImage(Path.Combine(Output, "1.png"), server.Png(1));
    }

    [Fact]
    public async Task Every_bad_url_is_a_failures_csv_row_with_its_reason_and_attempts()
    {
        var summary = await Run(
            Fast,
            Row("/png/1"),
            Row("/missing"),
            Row("/always-500"),
            Row("/truncated"),
            Row("/html"),
            Row("/fake-png"),
            Row("/loop"),
            Row("/redirect-ftp"),
            new DownloadRequest(0, "ftp://127.0.0.1/image.png"),
            new DownloadRequest(0, "file:///etc/passwd"),
            new DownloadRequest(0, "not a url"),
            Row("/html?again=1", label: "never-created"));

        Assert.Equal((1, 11), (summary.Downloaded, summary.Failed));
        Assert.False(Directory.Exists(Path.Combine(Output, "never-created")));
        var rows = ReadFailures();
        Assert.Equal(summary.Failures.Select(f => f.Url), rows.Select(r => r.Url));
        AssertFailure(rows, "/missing", "404", attempts: 1);
        AssertFailure(rows, "/always-500", "500", attempts: 3);
        AssertFailure(rows, "/truncated", "truncated", attempts: 3);
        AssertFailure(rows, "/html", "not an image", attempts: 1);
        AssertFailure(rows, "/fake-png", "not a readable image", attempts: 1);
        AssertFailure(rows, "/loop", "too many redirects", attempts: 1);
        AssertFailure(rows, "/redirect-ftp", "scheme", attempts: 1);
        Assert.Contains("scheme", rows.Single(r => r.Url.StartsWith("ftp:", StringComparison.Ordinal)).Reason);
        Assert.Contains("scheme", rows.Single(r => r.Url.StartsWith("file:", StringComparison.Ordinal)).Reason);
        Assert.Contains("not an absolute URL", rows.Single(r => r.Url == "not a url").Reason);
        Assert.Equal(1, server.Hits("/missing"));
        Assert.Equal(6, server.Hits("/loop"));
        Assert.Equal(["1.png"], Directory.GetFiles(Output, "*.png").Select(Path.GetFileName));
        Assert.Equal([FailureReport.FileName, "1.png"], Directory.GetFiles(Output, "*", SearchOption.AllDirectories).Select(Path.GetFileName).OrderDescending(StringComparer.Ordinal));
        AssertNoTempFiles();
    }

    [Fact]
    public async Task A_server_that_never_answers_times_out_on_every_attempt()
    {
        var summary = await Run(Fast with { RequestTimeout = TimeSpan.FromSeconds(1) }, Row("/hang"));

        var failure = Assert.Single(summary.Failures);
        Assert.Contains("timed out", failure.Reason);
        Assert.Equal(3, failure.Attempts);
        Assert.Equal(3, server.Hits("/hang"));
        Assert.Empty(Directory.GetFiles(Output, "*.png"));
        AssertNoTempFiles();
    }

    [Fact]
    public async Task The_size_limit_holds_for_a_declared_length_and_while_streaming()
    {
        var options = Fast with { MaxBytes = 1000 };
        Assert.True(server.Png(7).Length > options.MaxBytes);

        var summary = await Run(options, Row("/png/7"), Row("/chunked-big/64"));

        Assert.Equal(2, summary.Failed);
        Assert.All(summary.Failures, f => Assert.Contains("too large", f.Reason));
        Assert.All(summary.Failures, f => Assert.Equal(1, f.Attempts));
        Assert.Empty(Directory.GetFiles(Output, "*.png"));
        AssertNoTempFiles();
    }

    [Fact]
    public async Task A_second_run_downloads_nothing_again_and_retries_only_the_failures()
    {
        var first = await Run(Fast, Row("/png/1"), Row("/jpg/2", label: "cats"), Row("/missing"));
        var second = await Run(Fast, Row("/png/1"), Row("/jpg/2", label: "cats"), Row("/missing"));

        Assert.Equal((2, 0, 1), (first.Downloaded, first.Skipped, first.Failed));
        Assert.Equal((0, 2, 1), (second.Downloaded, second.Skipped, second.Failed));
        Assert.Equal(first.Files, second.Files);
        Assert.Equal(1, server.Hits("/png/1"));
        Assert.Equal(1, server.Hits("/jpg/2"));
        Assert.Equal(2, server.Hits("/missing"));
        Assert.Equal(0, second.Bytes);
    }

    [Fact]
    public async Task A_stale_failure_report_is_removed_when_nothing_fails_any_more()
    {
        await Run(Fast, Row("/png/1"), Row("/missing"));
        Assert.True(File.Exists(Path.Combine(Output, FailureReport.FileName)));

        var summary = await Run(Fast, Row("/png/1"));

        Assert.Null(summary.FailureReport);
        Assert.False(File.Exists(Path.Combine(Output, FailureReport.FileName)));
    }

    [Fact]
    public async Task Temp_files_left_by_a_killed_run_are_removed_at_the_start_of_the_next()
    {
        Directory.CreateDirectory(Output);
        File.WriteAllBytes(Path.Combine(Output, ".1.abc123.part"), [1, 2, 3]);
        File.WriteAllBytes(Path.Combine(Output, ".failures.csv.def456.part"), [1, 2, 3]);
        File.WriteAllBytes(Path.Combine(Output, "keep.part"), [1, 2, 3]);

        var summary = await Run(Fast, Row("/png/1"));

        Assert.Equal(1, summary.Downloaded);
        AssertNoTempFiles();
        Assert.True(File.Exists(Path.Combine(Output, "keep.part")));
    }

    [Fact]
    public async Task Cancelling_leaves_no_partial_file_under_a_final_name_and_a_rerun_finishes()
    {
        var slow = Fast with { RequestTimeout = TimeSpan.FromSeconds(30) };
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        DownloadRequest[] rows = [Row("/png/1"), Row("/hang"), Row("/png/2")];

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Run(slow, cancel.Token, rows));

        AssertNoTempFiles();
        Assert.False(File.Exists(Path.Combine(Output, "hang.png")));
        Assert.All(Directory.GetFiles(Output), path => AssertImage(path, null));
        var rerun = await Run(Fast, Row("/png/1"), Row("/png/2"));
        Assert.Equal(2, rerun.Downloaded + rerun.Skipped);
    }

    [Fact]
    public async Task A_failing_host_opens_its_circuit_and_the_rest_of_its_urls_fail_fast()
    {
        var options = Fast with { Concurrency = 1, MaxRetries = 0, CircuitMinimumThroughput = 2, CircuitFailureRatio = 0.5 };
        var rows = Enumerable.Range(1, 5).Select(i => Row($"/always-500?i={i}")).Append(Row("/png/1")).ToArray();

        var summary = await Run(options, rows);

        Assert.Equal(6, summary.Failed);
        Assert.Equal(2, server.Hits("/always-500"));
        Assert.Equal(0, server.Hits("/png/1"));
        Assert.All(summary.Failures.Skip(2), f => Assert.Contains("circuit open", f.Reason));
        Assert.All(summary.Failures.Skip(2), f => Assert.Equal(0, f.Attempts));
    }

    [Fact]
    public async Task Hostile_names_and_labels_stay_inside_the_output_folder()
    {
        var outside = temp.Combine("etc");
        var summary = await Run(
            Fast,
            Row("/png/1", fileName: "../../etc/passwd"),
            Row("/png/2", fileName: "..\\evil.jpg"),
            Row("/png/3", fileName: "bell\u0007and\nnewline.png"),
            Row("/png/4", fileName: new string('x', 400) + ".png"),
            Row("/files/%2e%2e%2fescape.png"),
            Row("/png/5", label: "../../etc"),
            Row("/png/6", fileName: ".bashrc"));

        Assert.Equal(7, summary.Downloaded);
        var names = Directory.GetFiles(Output, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(Output, p)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            ["bashrc.png", "bell_and_newline.png", "escape.png", Path.Combine("etc", "5.png"), "etc_passwd.png", "evil.png", new string('x', FileNamer.MaxLength) + ".png"],
            names);
        Assert.False(Directory.Exists(outside));
        Assert.Equal(["out"], Directory.GetFileSystemEntries(temp.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_label_folder_that_is_a_symbolic_link_is_not_written_through()
    {
        var elsewhere = temp.Combine("elsewhere");
        Directory.CreateDirectory(elsewhere);
        Directory.CreateDirectory(Output);
        Directory.CreateSymbolicLink(Path.Combine(Output, "linked"), elsewhere);

        var summary = await Run(Fast, Row("/png/1", label: "linked"), Row("/png/2", label: "real"));

        Assert.Equal((1, 1), (summary.Downloaded, summary.Failed));
        Assert.Contains("symbolic link", summary.Failures[0].Reason);
        Assert.Empty(Directory.GetFileSystemEntries(elsewhere));
        Assert.Equal(0, server.Hits("/png/1"));
    }

    private static void AssertFailure(IReadOnlyList<(string Url, string Reason, int Attempts)> rows, string path, string reason, int attempts)
    {
        var row = rows.Single(r => r.Url.EndsWith(path, StringComparison.Ordinal));
        Assert.Contains(reason, row.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(attempts, row.Attempts);
    }

    /// <summary>The file is a complete image the preprocessor decodes (and, when given, exactly the bytes served).</summary>
    private static void AssertImage(string path, byte[]? expected)
    {
        var bytes = File.ReadAllBytes(path);
        if (expected is not null)
        {
            Assert.Equal(expected, bytes);
        }

        var preprocessor = new ImagePreprocessor(PreprocessingSpec.ImageNet, 50_000_000);
        preprocessor.Prepare(bytes, new float[PreprocessingSpec.ImageNet.TensorLength]);
    }

    private DownloadRequest Row(string path, string? fileName = null, string? label = null) => new(0, server.Url(path), FileName: fileName, Label: label);

    private Task<DownloadSummary> Run(DownloadOptions options, params DownloadRequest[] rows) => Run(options, CancellationToken.None, rows);

    private async Task<DownloadSummary> Run(DownloadOptions options, CancellationToken cancellationToken, params DownloadRequest[] rows)
    {
        using var job = new DownloadJob(options);
        return await job.RunAsync(rows, Output, null, cancellationToken);
    }

    private List<(string Url, string Reason, int Attempts)> ReadFailures()
    {
        using var reader = new StreamReader(Path.Combine(Output, FailureReport.FileName));
        using var csv = new CsvReader(reader, CultureInfo.InvariantCulture);
        csv.Read();
        csv.ReadHeader();
        Assert.Equal(["url", "reason", "attempts"], csv.HeaderRecord!);
        var rows = new List<(string, string, int)>();
        while (csv.Read())
        {
            rows.Add((csv.GetField("url")!, csv.GetField("reason")!, csv.GetField<int>("attempts")));
        }

        return rows;
    }

    private void AssertNoTempFiles() =>
        Assert.DoesNotContain(Directory.GetFiles(Output, "*.part", SearchOption.AllDirectories), p => Path.GetFileName(p).StartsWith('.'));
}
