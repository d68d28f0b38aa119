using System.Security.Cryptography;
using ImageFinder.Configuration;
using ImageFinder.Exchange;
using ImageFinder.Storage;
using ImageFinder.Storage.Garnet;
using ImageFinder.Tests.Storage;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Exchange;

/// <summary>export → import: bit-identical vectors and rows, the same answers, idempotent; a damaged file is refused with its line and changes nothing.</summary>
public sealed class EmbeddingsFileTests(GarnetServerFixture server) : IClassFixture<GarnetServerFixture>, IDisposable
{
    private const int Dimension = 256;
    private static readonly CollectionInfo Info = new("m", Dimension, CollectionInfo.L2, new string('b', 64), "m.onnx");
    private readonly TempFolder temp = new();

    [Fact]
    public async Task A_round_trip_gives_bit_identical_vectors_the_same_rows_and_the_same_answers_on_either_store()
    {
        var source = await FillAsync(temp.Combine("source.db"), 40);
        var file = temp.Combine("export.jsonl");
        using (var reading = StoredCollection.Open(source))
        {
            Assert.Equal(39, await EmbeddingsFile.ExportAsync(reading, file));
        }

        var exported = await EmbeddingsFile.OpenAsync(file);
        using var copy = VectorStore.Open(temp.Combine("copy.db"), exported.Collection);
        using var cluster = await GarnetStore.OpenAsync(new GarnetOptions { Endpoints = server.Garnet.Endpoint, Prefix = "import" + Guid.NewGuid().ToString("N")[..8], Shards = 4 }, exported.Collection);
        Assert.Equal(39, (await CollectionMigration.CopyAsync(exported, copy)).Copied);
        Assert.Equal(39, (await CollectionMigration.CopyAsync(exported, cluster)).Copied);

        using var original = VectorStore.Open(source, Info);
        var expected = await StoredEntries.ReadAllAsync(original);
        StoredEntries.AssertSame(expected, await StoredEntries.ReadAllAsync(copy));
        StoredEntries.AssertSame(expected, await StoredEntries.ReadAllAsync(cluster));
        var query = expected[5].Vector;
        Assert.Equal((await original.SearchAsync(query, 5)).Select(h => h.Id), (await copy.SearchAsync(query, 5)).Select(h => h.Id));
        Assert.Equal((await original.SearchAsync(query, 5)).Select(h => h.Id), (await cluster.SearchAsync(query, 5)).Select(h => h.Id));
        // Idempotent: a second import finds everything there.
        var again = await CollectionMigration.CopyAsync(await EmbeddingsFile.OpenAsync(file), copy);
        Assert.Equal((0, 39), (again.Copied, again.Skipped));

        // The deleted highest id travels in the trailer: it is never handed out in the copy.
        Assert.True((await copy.WriteBatchAsync([Record("/new.png", 99)]))[0].Id > 40);
    }

    [Fact]
    public async Task A_truncated_or_malformed_file_is_refused_with_its_line_before_anything_is_written()
    {
        var source = await FillAsync(temp.Combine("source.db"), 5);
        var file = temp.Combine("export.jsonl");
        using (var reading = StoredCollection.Open(source))
        {
            await EmbeddingsFile.ExportAsync(reading, file);
        }

        var lines = await File.ReadAllLinesAsync(file);
        var truncated = temp.Combine("truncated.jsonl");
        await File.WriteAllTextAsync(truncated, string.Join('\n', lines[..3]) + "\n" + lines[3][..(lines[3].Length / 2)]);
        var malformed = temp.Combine("malformed.jsonl");
        await File.WriteAllLinesAsync(malformed, [lines[0], lines[1], lines[2].Replace("\"vector\":[", "\"vector\":[\"x\",", StringComparison.Ordinal), .. lines[3..]]);
        var cut = temp.Combine("cut.jsonl");
        await File.WriteAllLinesAsync(cut, lines[..^1]);

        var halfLine = await Assert.ThrowsAsync<InvalidDataException>(() => EmbeddingsFile.OpenAsync(truncated));
        var badValue = await Assert.ThrowsAsync<InvalidDataException>(() => EmbeddingsFile.OpenAsync(malformed));
        var noTrailer = await Assert.ThrowsAsync<InvalidDataException>(() => EmbeddingsFile.OpenAsync(cut));

        Assert.Contains("line 4", halfLine.Message, StringComparison.Ordinal);
        Assert.Contains("line 3", badValue.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", noTrailer.Message, StringComparison.Ordinal);
        Assert.All(new[] { halfLine, badValue, noTrailer }, e => Assert.Contains("Nothing was imported", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_export_of_other_vectors_is_refused_by_the_collection()
    {
        var source = await FillAsync(temp.Combine("source.db"), 3);
        var file = temp.Combine("export.jsonl");
        using (var reading = StoredCollection.Open(source))
        {
            await EmbeddingsFile.ExportAsync(reading, file);
        }

        using var other = VectorStore.Open(temp.Combine("other.db"), Info with { ModelSha256 = new string('c', 64) });
        var exported = await EmbeddingsFile.OpenAsync(file);
        var error = await Assert.ThrowsAsync<CollectionMismatchException>(() => CollectionMigration.CopyAsync(exported, other));

        Assert.Contains("'m'", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, await other.CountAsync());
    }

    [Fact]
    public async Task Export_and_import_through_the_CLI()
    {
        var source = await FillAsync(temp.Combine("source.db"), 6);
        var file = temp.Combine("cli.jsonl");

        var export = await CliRunner.RunAsync("export", "--db", source, "--out", file);
        var import = await CliRunner.RunAsync("import", "--from", file, "--db", temp.Combine("target.db"));
        var broken = temp.Combine("broken.jsonl");
        await File.WriteAllLinesAsync(broken, (await File.ReadAllLinesAsync(file))[..^1]);
        var refused = await CliRunner.RunAsync("import", "--from", broken, "--db", temp.Combine("never.db"));

        Assert.True(export.ExitCode == 0, export.Error);
        Assert.Contains("done: 5 images exported", export.Output, StringComparison.Ordinal);
        Assert.True(import.ExitCode == 0, import.Error);
        Assert.Contains("done: 5 imported, 0 already there", import.Output, StringComparison.Ordinal);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("truncated", refused.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(temp.Combine("never.db")));
    }

    [Fact]
    public async Task An_npy_export_is_a_float32_matrix_NumPy_reads_and_imports_bit_for_bit()
    {
        var source = await FillAsync(temp.Combine("source.db"), 12);
        var matrix = temp.Combine("vectors.npy");
        using (var reading = StoredCollection.Open(source))
        {
            Assert.Equal(11, await EmbeddingsFile.ExportAsync(reading, matrix, npy: true));
        }

        // NumPy's own reader: the shape, the dtype and one value.
        var check = new System.Diagnostics.ProcessStartInfo("/usr/bin/python3");
        check.ArgumentList.Add("-c");
        check.ArgumentList.Add("import numpy, sys; m = numpy.load(sys.argv[1]); print(m.shape, m.dtype, repr(float(m[3, 7])))");
        check.ArgumentList.Add(matrix);
        var (exitCode, output, error) = await ProcessRun.RunAsync(check, TimeSpan.FromMinutes(1), "numpy.load");
        using var original = VectorStore.Open(source, Info);
        var expected = await StoredEntries.ReadAllAsync(original);
        Assert.True(exitCode == 0, error);
        Assert.Equal($"(11, {Dimension}) float32 {((double)expected[3].Vector[7]).ToString("R", System.Globalization.CultureInfo.InvariantCulture)}", output.Trim());

        var exported = await EmbeddingsFile.OpenAsync(matrix);
        using var copy = VectorStore.Open(temp.Combine("copy.db"), exported.Collection);
        await CollectionMigration.CopyAsync(exported, copy);
        StoredEntries.AssertSame(expected, await StoredEntries.ReadAllAsync(copy));

        // A matrix cut short no longer matches its sidecar.
        var bytes = await File.ReadAllBytesAsync(matrix);
        await File.WriteAllBytesAsync(matrix, bytes[..^4]);
        var error2 = await Assert.ThrowsAsync<InvalidDataException>(() => EmbeddingsFile.OpenAsync(matrix));
        Assert.Contains("11 images", error2.Message, StringComparison.Ordinal);
    }

    public void Dispose() => temp.Dispose();

    private static async Task<string> FillAsync(string path, int count)
    {
        using var store = VectorStore.Open(path, Info);
        await store.WriteBatchAsync([.. Enumerable.Range(0, count).Select(i => Record($"/photos/class{i % 2}/{i}.jpg", i))]);
        Assert.True(await store.DeleteAsync(count));
        return path;
    }

    private static ImageRecord Record(string source, int i)
    {
        var random = new Random(i);
        var vector = new float[Dimension];
        for (var d = 0; d < Dimension; d++)
        {
            vector[d] = (float)((random.NextDouble() * 2) - 1) * (d % 31 == 0 ? 1e-39f : 1f);
        }

        return new ImageRecord(source, Convert.ToHexStringLower(SHA256.HashData(BitConverter.GetBytes(i))), 500 + i, DateTimeOffset.FromUnixTimeMilliseconds(1_650_000_000_000 + (i * 777)), 32 + i, 24 + i, vector);
    }

}
