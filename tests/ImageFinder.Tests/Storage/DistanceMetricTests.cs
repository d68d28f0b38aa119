using System.Numerics.Tensors;
using ImageFinder.Index;
using ImageFinder.Storage;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Storage;

public sealed class DistanceMetricTests : IDisposable
{
    private const int Dimension = 256;
    private readonly TempFolder temp = new();

    [Theory]
    [InlineData(CollectionInfo.L2, new[] { "v1", "v2", "v4", "v3" }, new[] { 0f, 2.2360680f, 2.6457513f, 4.4721360f })]
    [InlineData(CollectionInfo.Cosine, new[] { "v1", "v3", "v2", "v4" }, new[] { 0f, 0.4f, 1f, 1.5f })]
    [InlineData(CollectionInfo.L1, new[] { "v1", "v2", "v4", "v3" }, new[] { 0f, 3f, 5f, 6f })]
    public async Task Exact_search_ranks_and_measures_by_the_collection_metric(string metric, string[] order, float[] distances)
    {
        // Computed by hand for the query (1, 0, 0, 0).
        using var store = VectorStore.Open(temp.Combine(metric + ".db"), new CollectionInfo("m", 4, metric));
        await store.WriteBatchAsync(
        [
            Record("v1", [1, 0, 0, 0]),
            Record("v2", [0, 2, 0, 0]),
            Record("v3", [3, 4, 0, 0]),
            Record("v4", [-1, 1, 1, 1]),
        ]);

        var hits = await store.SearchAsync([1, 0, 0, 0], 4);

        Assert.Equal(metric, store.Collection.Metric);
        Assert.Equal(order, hits.Select(h => h.Source));
        for (var i = 0; i < hits.Count; i++)
        {
            Assert.Equal(distances[i], hits[i].Distance, 4);
        }
    }

    [Theory]
    [InlineData(CollectionInfo.L2)]
    [InlineData(CollectionInfo.Cosine)]
    [InlineData(CollectionInfo.L1)]
    public async Task The_index_exact_and_approximate_agree_with_sqlite_vec_and_return_the_metric_distances(string metric)
    {
        using var store = VectorStore.Open(temp.Combine(metric + ".db"), new CollectionInfo("m", Dimension, metric));
        var vectors = SyntheticVectors.Clustered(2000, Dimension, clusters: 40, seed: 11);
        await store.WriteBatchAsync(vectors.Select((v, i) => Record("v" + i, v)).ToList());
        using var exactIndex = VectorIndex.Build(store);
        using var index = exactIndex.Train(cellCount: 45);
        var random = new Random(3);

        var found = 0;
        const int queries = 30;
        for (var q = 0; q < queries; q++)
        {
            var query = SyntheticVectors.Perturbed(vectors[random.Next(vectors.Length)], random, 0.3f);
            var expected = await store.SearchAsync(query, 10);
            var exact = exactIndex.Search(query, 10);
            var approximate = index.Search(query, 10, probes: 5, rerank: 50);

            Assert.Equal(expected.Select(h => h.Id), exact.Select(h => h.Id));
            Assert.Equal(10, approximate.Count);
            found += approximate.Select(h => h.Id).Intersect(expected.Select(h => h.Id)).Count();
            foreach (var hit in expected.Concat(exact).Concat(approximate))
            {
                var distance = Expected(metric, query, vectors[int.Parse(hit.Source[1..])]);
                Assert.True(Math.Abs(distance - hit.Distance) <= 1e-5 * Math.Max(1, distance), $"{metric}: {hit.Distance} != {distance}");
            }
        }

        Assert.True(found / (queries * 10.0) >= 0.95, $"{metric}: recall@10 {found / (queries * 10.0)}");
    }

    [Fact]
    public async Task An_existing_database_keeps_its_metric_whatever_is_asked()
    {
        var path = temp.Combine("kept.db");
        using (var created = VectorStore.Open(path, new CollectionInfo("m", 4, CollectionInfo.Cosine)))
        {
            await created.WriteBatchAsync([Record("a", [1, 0, 0, 0]), Record("b", [3, 4, 0, 0])]);
        }

        using var reopened = VectorStore.Open(path, new CollectionInfo("m", 4, CollectionInfo.L1));
        var hits = await reopened.SearchAsync([1, 0, 0, 0], 2);

        Assert.Equal(CollectionInfo.Cosine, reopened.Collection.Metric);
        Assert.Equal(0.4f, hits[1].Distance, 4);
    }

    [Fact]
    public void An_unknown_metric_is_refused_before_anything_is_created()
    {
        var path = temp.Combine("bad.db");
        var error = Assert.Throws<ArgumentException>(() => VectorStore.Open(path, new CollectionInfo("m", 4, "dot")));

        Assert.Contains("dot", error.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Metric_names_parse_case_insensitively()
    {
        Assert.Equal(CollectionInfo.Cosine, CollectionInfo.ParseMetric(" Cosine "));
        Assert.Equal(CollectionInfo.L1, CollectionInfo.ParseMetric("L1"));
        Assert.Null(CollectionInfo.ParseMetric("hamming"));
        Assert.Null(CollectionInfo.ParseMetric(null));
    }

    public void Dispose() => temp.Dispose();

    private static float Expected(string metric, float[] a, float[] b)
    {
        var difference = new float[a.Length];
        TensorPrimitives.Subtract(a, b, difference);
        return metric switch
        {
            CollectionInfo.L2 => TensorPrimitives.Norm(difference),
            CollectionInfo.Cosine => 1 - TensorPrimitives.CosineSimilarity(a, b),
            _ => TensorPrimitives.SumOfMagnitudes(difference),
        };
    }

    private static ImageRecord Record(string source, float[] vector) => new(source, "sha-" + source, 1, DateTimeOffset.UnixEpoch, 1, 1, vector);
}
