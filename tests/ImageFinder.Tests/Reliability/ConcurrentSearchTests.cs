using System.Net;
using System.Net.Http.Json;
using ImageFinder.Api.Search;
using ImageFinder.Inference;
using ImageFinder.Ingestion;
using ImageFinder.Storage;
using ImageFinder.Tests.Support;
using Xunit.Abstractions;

namespace ImageFinder.Tests.Reliability;

/// <summary>The API searching a database while an ingest job writes it (WAL: readers see only whole committed batches).</summary>
public sealed class ConcurrentSearchTests(ITestOutputHelper log) : IDisposable
{
    private const int ImageCount = 160;
    private const int WriteBatchSize = 16;

    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData("Exact")]
    [InlineData("Approximate")]
    [InlineData("SqliteVec")]
    public async Task Searches_during_ingestion_return_only_whole_committed_batches_and_every_committed_image(string mode)
    {
        var folder = temp.Combine("images");
        var paths = TestImages.WriteCollection(folder, ImageCount);
        var database = temp.Combine("live.db");
        await using var factory = new ApiFactory(database, new Dictionary<string, string?>
        {
            ["ImageFinder:MaxK"] = "1000",
            ["ImageFinder:SearchMode"] = mode,
        });
        using var client = await factory.CreateReadyClientAsync();
        var query = await File.ReadAllBytesAsync(paths[0]);

        using var embedder = OnnxImageEmbedder.Load(TestModel.Options());
        using var store = VectorStore.Open(database, new CollectionInfo(embedder.Model.Name, embedder.Model.Dimension));
        var committed = new HashSet<string>(StringComparer.Ordinal);
        var searches = 0;
        var progress = new SynchronousProgress<IngestProgress>(p =>
        {
            // The job reports a file as written only after its transaction has committed.
            lock (committed)
            {
                committed.Add(p.LastFile!);
            }

            if (p.Added % (2 * WriteBatchSize) == 0)
            {
                // Now and then the writer waits for one more search, so searches interleave with commits on any machine.
                var seen = Volatile.Read(ref searches);
                SpinWait.SpinUntil(() => Volatile.Read(ref searches) > seen, TimeSpan.FromSeconds(10));
            }
        });
        var ingest = Task.Run(() => new IngestJob(embedder, store, new IngestOptions { WriteBatchSize = WriteBatchSize }).RunAsync(folder, progress));

        var observations = new List<(HashSet<string> CommittedBefore, SearchResponse Answer)>();
        while (!ingest.IsCompleted)
        {
            HashSet<string> before;
            lock (committed)
            {
                before = new HashSet<string>(committed, StringComparer.Ordinal);
            }

            observations.Add((before, await SearchAllAsync(client, query)));
            Interlocked.Increment(ref searches);
        }

        var summary = await ingest;
        Assert.Equal(ImageCount, summary.Added);

        var final = DatabaseAudit.Read(database);
        final.AssertConsistent();
        var images = final.Images.ToDictionary(image => image.Id);
        var batches = final.Images.GroupBy(image => image.Version).ToDictionary(group => group.Key, group => group.Select(image => image.Id).ToHashSet());
        var finalDistances = (await SearchAllAsync(client, query)).Results.ToDictionary(result => result.Index, result => result.Distance);
        Assert.Equal(ImageCount, finalDistances.Count);

        var partial = 0;
        foreach (var (before, answer) in observations)
        {
            var ids = answer.Results.Select(result => result.Index).ToHashSet();
            foreach (var result in answer.Results)
            {
                // A committed image: in the final collection under the same source, with its whole vector.
                Assert.True(images.TryGetValue(result.Index, out var image), $"id {result.Index} is not in the final collection");
                Assert.Equal(image.Source, result.Source);
                Assert.Equal(finalDistances[result.Index], result.Distance, 1e-3f);
            }

            foreach (var version in ids.Select(id => images[id].Version).Distinct())
            {
                Assert.Subset(ids, batches[version]);
            }

            Assert.Subset(answer.Results.Select(result => result.Source).ToHashSet(StringComparer.Ordinal), before);
            if (ids.Count > 0 && ids.Count < ImageCount)
            {
                partial++;
            }
        }

        log.WriteLine($"{mode}: {observations.Count} searches during ingestion, {partial} of them saw part of the collection; {batches.Count} write transactions");
        Assert.True(partial > 0, "no search ran while the collection was partly written");
    }

    private static async Task<SearchResponse> SearchAllAsync(HttpClient client, byte[] query)
    {
        using var response = await client.PostAsync("/search?k=1000", Multipart.Image(query));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<SearchResponse>())!;
    }
}
