using System.Diagnostics;
using System.Globalization;
using ImageFinder.Storage;

namespace ImageFinder.Bench.Support;

/// <summary>
/// Databases of N synthetic vectors (bench/work/vectors-v1-N.db), written through
/// <see cref="VectorStore.WriteBatchAsync"/> in batches of 1000 with sources "synthetic/0000123". Stored
/// vector <c>i</c> (0-based) gets image id <c>i + 1</c>. A complete database from an earlier run (same
/// generator version, same model) is reused: writing 100,000 vectors takes a while.
/// </summary>
internal static class SyntheticCollection
{
    private const int BatchSize = 1000;

    public static async Task<CollectionFill> EnsureAsync(string workFolder, CollectionInfo collection, SyntheticVectors vectors, int count)
    {
        Directory.CreateDirectory(workFolder);
        var database = Path.Combine(workFolder, $"vectors-v1-{count.ToString(CultureInfo.InvariantCulture)}.db");
        var marker = database + ".complete";
        var expectedMarker = $"{count} {collection.Model} {collection.Dimension}";
        if (File.Exists(database) && File.Exists(marker) && File.ReadAllText(marker) == expectedMarker)
        {
            using var existing = VectorStore.Open(database, collection);
            if (await existing.CountAsync() == count)
            {
                BenchLog.Info($"collection: reusing {database}");
                return new CollectionFill(database, count, Reused: true, TimeSpan.Zero);
            }
        }

        File.Delete(marker);
        WorkFiles.DeleteDatabase(database);
        BenchLog.Info($"collection: writing {count:N0} synthetic vectors into {database}");
        var stopwatch = Stopwatch.StartNew();
        using (var store = VectorStore.Open(database, collection))
        {
            var now = DateTimeOffset.UtcNow;
            for (var start = 0; start < count; start += BatchSize)
            {
                var records = new List<ImageRecord>(BatchSize);
                for (var i = start; i < Math.Min(start + BatchSize, count); i++)
                {
                    var fakeSha256 = i.ToString("x64", CultureInfo.InvariantCulture);
                    records.Add(new ImageRecord($"synthetic/{i:D7}", fakeSha256, 0, now, 0, 0, vectors.Row(i)));
                }

                var written = await store.WriteBatchAsync(records);
                for (var j = 0; j < written.Count; j++)
                {
                    if (written[j].Id != start + j + 1)
                    {
                        throw new InvalidOperationException($"Vector {start + j} got id {written[j].Id}; the harness expects ids 1..N in order.");
                    }
                }

                if ((start / BatchSize) % 20 == 19)
                {
                    BenchLog.Info($"collection: {start + records.Count:N0} / {count:N0}");
                }
            }
        }

        stopwatch.Stop();
        File.WriteAllText(marker, expectedMarker);
        return new CollectionFill(database, count, Reused: false, stopwatch.Elapsed);
    }
}
