using ImageFinder.Tests.Support;
using Xunit.Abstractions;

namespace ImageFinder.Tests.Reliability;

/// <summary>The ingest job (the real CLI, as a child process) over a folder holding the whole hostile corpus.</summary>
public sealed class HostileIngestTests(ITestOutputHelper log) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Every_broken_file_gets_one_failure_line_every_valid_one_is_ingested_and_the_job_exits_0()
    {
        var folder = temp.Combine("hostile");
        Directory.CreateDirectory(folder);
        var files = new Dictionary<string, HostileCase>(StringComparer.Ordinal);
        var index = 0;
        foreach (var item in HostileCorpus.All)
        {
            // A name cannot hold '/'; the index keeps "../x" from becoming a hidden ".._x".
            var path = Path.Combine(folder, $"{index++:D3}-{item.FileName.Replace('/', '_')}");
            await File.WriteAllBytesAsync(path, item.Bytes);
            files[path] = item;
        }

        // A named pipe under an image name: opening it for reading would wait for a writer forever.
        var pipe = Path.Combine(folder, $"{index:D3}-named-pipe.jpg");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [pipe]))
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var database = temp.Combine("hostile.db");
        using var child = CliProcess.Start("ingest", "--folder", folder, "--db", database, "--model", TestModel.Path, "--threads", "2");
        var (exitCode, output, error) = await child.WaitAsync(Timeout);
        log.WriteLine($"{files.Count} files, peak RSS of the ingest process {child.PeakResidentBytes / (1024 * 1024)} MiB");

        Assert.True(exitCode == 0, $"exit code {exitCode}{Environment.NewLine}{output}{Environment.NewLine}{error}");
        // Every line on stderr is a one-line failure report (or the test model's warning): no name forged a line.
        var failureLines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(line => !line.StartsWith("warning: ", StringComparison.Ordinal)).ToArray();
        Assert.All(failureLines, line => Assert.StartsWith("failed: ", line, StringComparison.Ordinal));

        var audit = DatabaseAudit.Read(database);
        audit.AssertConsistent();
        var ingested = audit.Images.Select(image => image.Source).ToHashSet(StringComparer.Ordinal);
        var failed = 0;
        foreach (var (path, item) in files)
        {
            var shown = "failed: " + Printable(path) + ": ";
            var lines = failureLines.Count(line => line.StartsWith(shown, StringComparison.Ordinal));
            Assert.True(lines <= 1, $"{item.Name}: {lines} failure lines");
            Assert.True(lines + (ingested.Contains(path) ? 1 : 0) == 1, $"{item.Name}: ingested {ingested.Contains(path)}, failure lines {lines}");
            switch (item.Expected)
            {
                case HostileOutcome.Rejected:
                    Assert.True(lines == 1, $"{item.Name} was ingested; it should have failed");
                    break;
                case HostileOutcome.Accepted:
                    Assert.True(ingested.Contains(path), $"{item.Name} failed: {failureLines.FirstOrDefault(line => line.StartsWith(shown, StringComparison.Ordinal))}");
                    break;
            }

            failed += lines;
        }

        Assert.Single(failureLines, line => line.StartsWith($"failed: {pipe}: ", StringComparison.Ordinal));
        Assert.Equal(files.Count, ingested.Count + failed);
        log.WriteLine($"{ingested.Count} ingested, {failed} failed");
        foreach (var group in files.GroupBy(file => file.Value.Name.Split('-')[0]))
        {
            log.WriteLine($"  {group.Key}: {group.Count()} files, {group.Count(file => ingested.Contains(file.Key))} ingested");
        }

        // Bounded memory: the bombs declare up to 3.6 billion pixels (10 GB decoded); none is ever decoded.
        Assert.InRange(child.PeakResidentBytes, 1, 1024L * 1024 * 1024);
        Assert.Contains($"done: {ingested.Count} added, 0 updated, 0 unchanged, {failed + 1} failed", output);
    }

    /// <summary>How the CLI prints a path: control characters escaped, so a file name cannot forge lines or terminal codes.</summary>
    private static string Printable(string path) =>
        string.Concat(path.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
}
