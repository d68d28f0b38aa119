using System.Numerics.Tensors;
using ImageFinder.Index;
using ImageFinder.Storage;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Index;

public sealed class QuantizedIndexTests : IDisposable
{
    private const int Dimension = 256;
    private readonly TempFolder temp = new();
    private readonly VectorStore store;

    public QuantizedIndexTests()
    {
        store = VectorStore.Open(temp.Combine("q.db"), new CollectionInfo("m", Dimension));
    }

    [Fact]
    public async Task Quantized_search_finds_almost_all_exact_neighbours_with_exact_distances()
    {
        var vectors = SyntheticVectors.Clustered(3000, Dimension, clusters: 60, seed: 1);
        await Write(vectors, "v");
        using var index = QuantizedIndex.Build(store);
        var random = new Random(7);

        var found = 0;
        for (var q = 0; q < 40; q++)
        {
            var query = SyntheticVectors.Perturbed(vectors[random.Next(vectors.Length)], random, 0.3f);
            var exact = await store.SearchAsync(query, 10);
            var quantized = index.Search(query, 10, rerank: 50, coarse: 500);

            Assert.Equal(10, quantized.Count);
            found += quantized.Select(h => h.Id).Intersect(exact.Select(h => h.Id)).Count();
            foreach (var hit in quantized)
            {
                var stored = vectors[int.Parse(hit.Source[1..])];
                Assert.Equal(TensorPrimitives.Distance(query, stored), hit.Distance, 3);
            }

            Assert.True(quantized.Zip(quantized.Skip(1)).All(pair => pair.First.Distance <= pair.Second.Distance));
        }

        Assert.True(found / 400.0 >= 0.95, $"recall@10 {found / 400.0}");
    }

    [Theory]
    [InlineData(1000)]
    [InlineData(2000)]
    public async Task A_dimension_that_is_not_a_multiple_of_64_builds_and_searches_like_exact(int dimension)
    {
        using var wide = VectorStore.Open(temp.Combine($"q{dimension}.db"), new CollectionInfo("m", dimension));
        var vectors = SyntheticVectors.Clustered(600, dimension, clusters: 20, seed: dimension);
        await wide.WriteBatchAsync(vectors.Select((v, i) => Record("v" + i, v)).ToList());
        using var index = QuantizedIndex.Build(wide);
        Assert.Equal(600, index.Count);
        var random = new Random(dimension);

        for (var q = 0; q < 10; q++)
        {
            var query = SyntheticVectors.Perturbed(vectors[random.Next(vectors.Length)], random, 0.3f);
            var exact = await wide.SearchAsync(query, 5);

            // Every code is scanned and every candidate re-ranked exactly: the answer is the exact one.
            var quantized = index.Search(query, 5, rerank: 600, coarse: 600);

            Assert.Equal(exact.Select(h => h.Id), quantized.Select(h => h.Id));
            Assert.Equal(exact.Select(h => h.Distance), quantized.Select(h => h.Distance), (a, b) => MathF.Abs(a - b) < 1e-3f);
        }

        // Through the search that chooses the mode, as the API runs it past ExactSearchMaxVectors.
        using var search = new KnnSearch(wide, new KnnOptions { ExactMaxVectors = 100, RerankCandidates = 50, CoarseCandidates = 300 });
        var hits = await search.SearchAsync(vectors[42], 3);
        Assert.Equal(KnnMode.Quantized, search.LastMode);
        Assert.Equal("v42", hits[0].Source);
        Assert.Equal(0f, hits[0].Distance, 3);
    }

    [Fact]
    public async Task Refresh_sees_writes_updates_and_deletes_from_another_connection()
    {
        var vectors = SyntheticVectors.Clustered(200, Dimension, clusters: 10, seed: 2);
        var ids = await Write(vectors, "v");
        using var index = QuantizedIndex.Build(store);
        Assert.Equal(200, index.Count);

        // Another process writing the same file: a second store.
        using var other = VectorStore.Open(store.Path, store.Collection);
        var extra = SyntheticVectors.Clustered(1, Dimension, clusters: 1, seed: 3)[0];
        var added = await other.WriteBatchAsync([Record("new", extra)]);
        var moved = SyntheticVectors.Clustered(1, Dimension, clusters: 1, seed: 4)[0];
        await other.WriteBatchAsync([Record("v5", moved)]);
        Assert.True(await other.DeleteAsync(ids[7]));

        Assert.Equal(200, index.Count);
        index.Refresh();

        Assert.Equal(200, index.Count);
        Assert.Equal(added[0].Id, index.Search(extra, 1, 20, 100)[0].Id);
        var updated = index.Search(moved, 1, 20, 100)[0];
        Assert.Equal(ids[5], updated.Id);
        Assert.Equal(0f, updated.Distance, 4);
        Assert.DoesNotContain(index.Search(vectors[7], 5, 50, 100), h => h.Id == ids[7]);
    }

    [Fact]
    public async Task Auto_mode_is_exact_up_to_the_threshold_and_quantized_above()
    {
        var vectors = SyntheticVectors.Clustered(150, Dimension, clusters: 5, seed: 5);
        await Write(vectors[..100], "a");
        using var search = new KnnSearch(store, new KnnOptions { ExactMaxVectors = 120, RerankCandidates = 20, CoarseCandidates = 60 });

        var small = await search.SearchAsync(vectors[3], 3);
        Assert.Equal(KnnMode.Exact, search.LastMode);

        await Write(vectors[100..], "b");
        var large = await search.SearchAsync(vectors[3], 3);
        Assert.Equal(KnnMode.Quantized, search.LastMode);

        Assert.Equal(small[0].Id, large[0].Id);
        Assert.Equal(0f, large[0].Distance, 4);
    }

    [Fact]
    public async Task An_empty_collection_gives_no_hits()
    {
        using var index = QuantizedIndex.Build(store);
        Assert.Empty(index.Search(new float[Dimension], 3, 10, 10));
        await Write(SyntheticVectors.Clustered(3, Dimension, 1, 6), "x");
        index.Refresh();
        Assert.Equal(3, index.Search(new float[Dimension], 10, 10, 10).Count);
    }

    public void Dispose()
    {
        store.Dispose();
        temp.Dispose();
    }

    private static ImageRecord Record(string source, float[] vector) => new(source, "sha-" + source, 1, DateTimeOffset.UnixEpoch, 1, 1, vector);

    private async Task<long[]> Write(float[][] vectors, string prefix)
    {
        var results = await store.WriteBatchAsync(vectors.Select((v, i) => Record(prefix + i, v)).ToList());
        return results.Select(r => r.Id).ToArray();
    }
}
