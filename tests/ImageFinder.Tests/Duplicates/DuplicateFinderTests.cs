using ImageFinder.Distances;
using ImageFinder.Duplicates;
using ImageFinder.Storage;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Duplicates;

public sealed class DuplicateFinderTests
{
    [Theory]
    [InlineData(CollectionInfo.L2, 2.5f)]
    [InlineData(CollectionInfo.Cosine, 0.03f)]
    [InlineData(CollectionInfo.L1, 15f)]
    public void Groups_equal_the_connected_pairs_of_a_brute_force_comparison(string metric, float maxDistance)
    {
        // Clusters of near-copies (small noise) among unrelated vectors.
        var random = new Random(5);
        var bases = SyntheticVectors.Clustered(150, 64, clusters: 150, seed: 9);
        var vectors = bases.Concat(bases.Take(40).Select(v => SyntheticVectors.Perturbed(v, random, 0.15f))).ToList();
        var images = vectors.Select((v, i) => new StoredVector(i + 1, "s" + i, 10, 10, v)).ToList();

        var report = DuplicateFinder.Find(images, metric, maxDistance);

        var expected = BruteForceGroups(vectors, metric, maxDistance);
        Assert.NotEmpty(expected);
        Assert.Equal(
            expected.Select(g => string.Join(',', g)).Order(StringComparer.Ordinal),
            report.Groups.Select(g => string.Join(',', g.Images.Select(i => i.Id - 1).Order())).Order(StringComparer.Ordinal));
        Assert.False(report.DefaultThreshold);
        Assert.Equal(maxDistance, report.MaxDistance);
    }

    [Fact]
    public void The_largest_image_leads_its_group_and_distances_are_to_it()
    {
        StoredVector[] images =
        [
            new(1, "small", 100, 100, [1, 0, 0]),
            new(2, "large", 400, 300, [1.1f, 0, 0]),
            new(3, "far", 400, 300, [5, 5, 5]),
        ];

        var report = DuplicateFinder.Find(images, CollectionInfo.L2, 0.5f);

        var group = Assert.Single(report.Groups);
        Assert.Equal(["large", "small"], group.Images.Select(i => i.Source));
        Assert.Equal(0.1f, group.Images[1].Distance, 5);
    }

    [Fact]
    public void The_l2_default_is_a_fraction_of_the_median_norm()
    {
        StoredVector[] images = [new(1, "a", 1, 1, [3, 4]), new(2, "b", 1, 1, [6, 8]), new(3, "c", 1, 1, [0, 1])];

        var report = DuplicateFinder.Find(images, CollectionInfo.L2);

        Assert.True(report.DefaultThreshold);
        Assert.Equal(MathF.Sqrt(0.1f) * 5, report.MaxDistance, 5);
        Assert.Equal(0.05f, DuplicateFinder.Find(images, CollectionInfo.Cosine).MaxDistance);
    }

    private static List<List<int>> BruteForceGroups(List<float[]> vectors, string metric, float maxDistance)
    {
        var component = Enumerable.Range(0, vectors.Count).ToArray();
        for (var i = 0; i < vectors.Count; i++)
        {
            for (var j = i + 1; j < vectors.Count; j++)
            {
                if (VectorDistance.Compute(metric, vectors[i], vectors[j]) <= maxDistance)
                {
                    var (from, to) = (component[j], component[i]);
                    for (var c = 0; c < component.Length; c++)
                    {
                        component[c] = component[c] == from ? to : component[c];
                    }
                }
            }
        }

        return Enumerable.Range(0, vectors.Count).GroupBy(i => component[i]).Where(g => g.Count() > 1).Select(g => g.Order().ToList()).ToList();
    }
}
