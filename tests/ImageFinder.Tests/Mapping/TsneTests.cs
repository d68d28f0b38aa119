using ImageFinder.Mapping;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Mapping;

public sealed class TsneTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Separate_clusters_stay_separate_and_every_nearest_neighbour_is_in_its_own_cluster(int dimensions)
    {
        const int clusters = 4, perCluster = 40;
        var source = MatrixVectorSource.Clusters(clusters, perCluster, 64, 0.5f, seed: 21);

        var (layout, explained) = CollectionMapper.Layout(source, MapMethod.Tsne, dimensions, CancellationToken.None);

        Assert.Empty(explained);
        Assert.Equal(clusters * perCluster * dimensions, layout.Length);
        Assert.All(layout, value => Assert.True(float.IsFinite(value)));
        var n = clusters * perCluster;
        for (var i = 0; i < n; i++)
        {
            var nearest = -1;
            var best = double.MaxValue;
            for (var j = 0; j < n; j++)
            {
                if (j == i)
                {
                    continue;
                }

                double distance = 0;
                for (var d = 0; d < dimensions; d++)
                {
                    var delta = layout[(i * dimensions) + d] - layout[(j * dimensions) + d];
                    distance += delta * delta;
                }

                if (distance < best)
                {
                    best = distance;
                    nearest = j;
                }
            }

            Assert.Equal(i / perCluster, nearest / perCluster);
        }
    }

    [Fact]
    public void The_layout_is_deterministic()
    {
        var source = MatrixVectorSource.Clusters(3, 20, 32, 1f, seed: 4);

        var first = CollectionMapper.Layout(source, MapMethod.Tsne, 2, CancellationToken.None).Coordinates;
        var second = CollectionMapper.Layout(source, MapMethod.Tsne, 2, CancellationToken.None).Coordinates;

        Assert.Equal(first, second);
    }

    [Fact]
    public void Identical_points_and_tiny_collections_give_finite_coordinates()
    {
        var identical = new MatrixVectorSource(Enumerable.Repeat(1f, 10 * 8).ToArray(), 8);
        var two = new MatrixVectorSource([0, 0, 1, 1], 2);
        var one = new MatrixVectorSource([3, 4], 2);

        Assert.All(CollectionMapper.Layout(identical, MapMethod.Tsne, 2, CancellationToken.None).Coordinates, v => Assert.True(float.IsFinite(v)));
        Assert.All(CollectionMapper.Layout(two, MapMethod.Tsne, 3, CancellationToken.None).Coordinates, v => Assert.True(float.IsFinite(v)));
        Assert.Equal([0f, 0f], CollectionMapper.Layout(one, MapMethod.Tsne, 2, CancellationToken.None).Coordinates);
    }

    [Fact]
    public void Barnes_Hut_repulsion_with_theta_zero_equals_the_exact_sum()
    {
        const int n = 60, dims = 3;
        var random = new Random(9);
        var positions = Enumerable.Range(0, n * dims).Select(_ => random.NextDouble() * 10).ToArray();
        var tree = new SpaceTree(dims);
        tree.Build(positions, n);

        for (var i = 0; i < n; i++)
        {
            var force = new double[dims];
            var z = tree.Repulsion(positions.AsSpan(i * dims, dims), force, theta: 0);

            var expectedForce = new double[dims];
            double expectedZ = 0;
            for (var j = 0; j < n; j++)
            {
                if (j == i)
                {
                    continue;
                }

                double distance = 0;
                for (var d = 0; d < dims; d++)
                {
                    distance += Math.Pow(positions[(i * dims) + d] - positions[(j * dims) + d], 2);
                }

                var q = 1 / (1 + distance);
                expectedZ += q;
                for (var d = 0; d < dims; d++)
                {
                    expectedForce[d] += q * q * (positions[(i * dims) + d] - positions[(j * dims) + d]);
                }
            }

            Assert.Equal(expectedZ, z, 9);
            for (var d = 0; d < dims; d++)
            {
                Assert.Equal(expectedForce[d], force[d], 9);
            }
        }
    }
}
