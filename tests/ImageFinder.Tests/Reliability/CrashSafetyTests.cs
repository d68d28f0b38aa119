using System.Numerics.Tensors;
using ImageFinder.Inference;
using ImageFinder.Storage;
using ImageFinder.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace ImageFinder.Tests.Reliability;

/// <summary>The ingest job (the real CLI, as a child process) killed with SIGKILL at random points, then run again.</summary>
public sealed class CrashSafetyTests(ITestOutputHelper log) : IDisposable
{
    private const int ImageCount = 480;
    private const int Kills = 8;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Ingest_killed_at_random_points_and_run_again_ends_exactly_like_an_uninterrupted_run()
    {
        var folder = temp.Combine("images");
        TestImages.WriteCollection(folder, ImageCount);
        CollectionInfo collection;
        using (var embedder = OnnxImageEmbedder.Load(TestModel.Options()))
        {
            collection = new CollectionInfo(embedder.Model.Name, embedder.Model.Dimension);
        }

        var reference = temp.Combine("reference.db");
        var (referenceExit, referenceOutput, referenceError) = await CliProcess.RunAsync(Timeout, Ingest(folder, reference));
        Assert.True(referenceExit == 0, referenceOutput + referenceError);
        var expected = DatabaseAudit.Read(reference);
        expected.AssertConsistent();
        Assert.Equal(ImageCount, expected.Images.Count);

        var database = temp.Combine("killed.db");
        var random = new Random(HostileCorpus.Seed);
        var kills = new List<string>();
        for (var attempt = 0; attempt < Kills && CountRows(database) < ImageCount; attempt++)
        {
            var before = (int)CountRows(database);
            using var child = CliProcess.Start(Ingest(folder, database));
            if (attempt == 0)
            {
                // During start-up: model load, schema creation, the first batch.
                await Task.Delay(random.Next(50, 600));
            }
            else
            {
                // While it writes: once this run has committed its first batch, at a random moment after that.
                while (!child.HasExited && CountRows(database) == before)
                {
                    await Task.Delay(5);
                }

                await Task.Delay(random.Next(0, 250));
            }

            if (child.HasExited)
            {
                kills.Add($"{before}->finished before the kill");
                continue;
            }

            child.Kill();
            await child.WaitAsync(Timeout);

            // The database opens (creating or recovering it as the next run would), and is consistent.
            using (VectorStore.Open(database, collection))
            {
            }

            var audit = DatabaseAudit.Read(database);
            audit.AssertConsistent();
            Assert.All(audit.Images, image => Assert.Contains(expected.Images, e => e.Source == image.Source && e.Sha256 == image.Sha256));
            kills.Add($"{before}->{audit.Images.Count}");
        }

        log.WriteLine($"{kills.Count} runs, images in the database before -> after each kill: {string.Join(", ", kills)}");
        Assert.Contains(kills, kill => !kill.Contains("finished", StringComparison.Ordinal));

        var (exit, output, error) = await CliProcess.RunAsync(Timeout, Ingest(folder, database));
        Assert.True(exit == 0, output + error);
        Assert.Contains(", 0 failed", output);

        var actual = DatabaseAudit.Read(database);
        actual.AssertConsistent();
        Assert.Equal(expected.Images.Select(i => (i.Source, i.Sha256)).Order(), actual.Images.Select(i => (i.Source, i.Sha256)).Order());
        var vectors = actual.Images.ToDictionary(i => i.Source, i => i.Vector!);
        var largest = expected.Images.Max(i => TensorPrimitives.Distance(i.Vector!, vectors[i.Source]));
        log.WriteLine($"largest L2 distance between a vector and the uninterrupted run's: {largest:G3}");
        Assert.True(largest < 1e-3f, $"a vector differs from the uninterrupted run's by {largest}");
    }

    private static string[] Ingest(string folder, string database) =>
        ["ingest", "--folder", folder, "--db", database, "--model", TestModel.Path, "--threads", "2", "--batch-size", "8"];

    /// <summary>Committed image rows, read as another process would (0 before the file or its tables exist).</summary>
    private static long CountRows(string database)
    {
        if (!File.Exists(database))
        {
            return 0;
        }

        SQLitePCL.Batteries_V2.Init();
        try
        {
            var connectionString = new SqliteConnectionStringBuilder { DataSource = database, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString();
            using var connection = new SqliteConnection(connectionString);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "select count(*) from images";
            return (long)command.ExecuteScalar()!;
        }
        catch (SqliteException)
        {
            return 0;
        }
    }
}
