using System.CommandLine;
using ImageFinder.Cli;
using ImageFinder.Imaging;
using ImageFinder.Tests.Support;
using Microsoft.Data.Sqlite;

namespace ImageFinder.Tests.Cli;

public sealed class IngestSyncTests : IDisposable
{
    private readonly TempFolder temp = new();

    private string Database => temp.Combine("sync.db");

    [Fact]
    public async Task Prune_removes_only_the_vanished_files_of_the_ingested_folder()
    {
        var photos = TestImages.WriteCollection(temp.Combine("photos"), 4);
        // A sibling whose name starts with the same characters: its images must survive a prune of "photos".
        var others = TestImages.WriteCollection(temp.Combine("photos2"), 2, firstPattern: 20);
        await Ingest(temp.Combine("photos"));
        await Ingest(temp.Combine("photos2"));

        File.Delete(photos[1]);
        File.WriteAllBytes(photos[2], TestImages.Pattern(40));
        File.SetLastWriteTimeUtc(photos[2], DateTime.UtcNow.AddMinutes(1));
        File.WriteAllBytes(temp.Combine("photos", "new.png"), TestImages.Pattern(41));
        var (exitCode, output, _) = await Ingest(temp.Combine("photos"), "--prune");

        Assert.Equal(0, exitCode);
        Assert.Contains("done: 1 added, 1 updated, 2 unchanged, 0 failed, 1 removed", output);
        Assert.Contains("removed: " + photos[1], output);
        var stored = StoredSources();
        Assert.DoesNotContain(photos[1], stored);
        Assert.Contains(temp.Combine("photos", "new.png"), stored);
        Assert.All(others, path => Assert.Contains(path, stored));
        Assert.Equal(6, stored.Count);
        Assert.Equal(6, Count("select count(*) from vec_images"));
    }

    [Fact]
    public async Task Without_prune_a_vanished_file_stays_in_the_database()
    {
        var photos = TestImages.WriteCollection(temp.Combine("photos"), 3);
        await Ingest(temp.Combine("photos"));

        File.Delete(photos[0]);
        var (_, output, _) = await Ingest(temp.Combine("photos"));

        Assert.Contains("done: 0 added, 0 updated, 2 unchanged, 0 failed in", output);
        Assert.Contains(photos[0], StoredSources());
    }

    [Fact]
    public async Task Watch_mode_syncs_new_changed_and_deleted_files_until_stopped()
    {
        var folder = temp.Combine("watched");
        var paths = TestImages.WriteCollection(folder, 3);
        using var stop = new CancellationTokenSource();
        using var printed = new StringWriter();
        var output = TextWriter.Synchronized(printed);
        string Printed()
        {
            // The synchronized writer locks itself while writing.
            lock (output)
            {
                return printed.ToString();
            }
        }

        var run = CliApp.BuildRoot()
            .Parse(["ingest", "--folder", folder, "--db", Database, "--model", TestModel.Path, "--threads", "2", "--watch", "--prune"])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = TextWriter.Null }, stop.Token);
        try
        {
            await WaitUntil(() => Printed().Contains("watching " + folder, StringComparison.Ordinal), run);
            Assert.Equal(3, StoredSources().Count);

            var added = Path.Combine(folder, "sub", "added.jpg");
            Directory.CreateDirectory(Path.GetDirectoryName(added)!);
            File.WriteAllBytes(added, TestImages.Pattern(30, format: EncodedFormat.Jpeg));
            await WaitUntil(() => StoredSources().Contains(added), run);

            File.Delete(paths[0]);
            await WaitUntil(() => !StoredSources().Contains(paths[0]), run);

            var before = Count($"select version from images where source = '{paths[1]}'");
            File.WriteAllBytes(paths[1], TestImages.Pattern(31));
            File.SetLastWriteTimeUtc(paths[1], DateTime.UtcNow.AddMinutes(1));
            await WaitUntil(() => Count($"select version from images where source = '{paths[1]}'") > before, run);

            // Stop once that sync has printed its summary, as a user pressing Ctrl-C while the job is idle.
            await WaitUntil(() => Printed().Contains("sync: 0 added, 1 updated", StringComparison.Ordinal), run);
        }
        finally
        {
            await stop.CancelAsync();
        }

        var exitCode = await run;
        var text = Printed();
        Assert.Equal(0, exitCode);
        Assert.Contains("sync: 1 added, 0 updated, 3 unchanged, 0 failed, 0 removed", text);
        Assert.Contains("removed: " + paths[0], text);
        Assert.Contains(", 1 removed in", text);
        Assert.EndsWith("stopped watching", text.TrimEnd());
        Assert.Equal(3, StoredSources().Count);
    }

    public void Dispose() => temp.Dispose();

    /// <summary>Polls until <paramref name="condition"/> holds; fails if the command ended first or nothing happened for a minute.</summary>
    private static async Task WaitUntil(Func<bool> condition, Task<int> run)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            if (run.IsCompleted)
            {
                Assert.Fail($"the command ended with exit code {await run}");
            }

            if (condition())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("the expected state was not reached");
    }

    private Task<(int ExitCode, string Output, string Error)> Ingest(string folder, params string[] extra) =>
        CliRunner.RunAsync(["ingest", "--folder", folder, "--db", Database, "--model", TestModel.Path, "--threads", "2", .. extra]);

    private List<string> StoredSources()
    {
        if (!File.Exists(Database))
        {
            return [];
        }

        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = "select source from images";
        using var reader = command.ExecuteReader();
        var sources = new List<string>();
        while (reader.Read())
        {
            sources.Add(reader.GetString(0));
        }

        return sources;
    }

    private long Count(string sql)
    {
        using var connection = Connect();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Database, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        connection.EnableExtensions(true);
        connection.LoadExtension(ImageFinder.Native.NativeLibraries.SqliteVecPath);
        return connection;
    }
}
