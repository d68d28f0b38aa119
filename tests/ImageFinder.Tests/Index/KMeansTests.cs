using ImageFinder.Index;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Index;

public sealed class KMeansTests
{
    [Fact]
    public void Cells_keep_natural_clusters_whole_and_stay_of_similar_sizes_when_clusters_outnumber_cells()
    {
        // 200 tight clusters of 30 points in 256-d and 40 cells: the case in which plain Lloyd k-means lets a few
        // cells swallow most clusters.
        const int dimension = 256;
        var random = new Random(4);
        var centres = SyntheticVectors.Clustered(200, dimension, clusters: 200, seed: 4, noise: 1f);
        var points = new float[200 * 30 * dimension];
        var truth = new int[200 * 30];
        for (var i = 0; i < truth.Length; i++)
        {
            truth[i] = i / 30;
            SyntheticVectors.Perturbed(centres[truth[i]], random, 0.05f).CopyTo(points.AsSpan(i * dimension, dimension));
        }

        var cells = KMeans.Train(points, truth.Length, dimension, cells: 40, seed: 1);
        Assert.Equal(40 * dimension, cells.Length);
        var norms = KMeans.Norms(cells, 40, dimension);
        var assigned = new int[truth.Length];
        for (var i = 0; i < truth.Length; i += KMeans.RowBlock)
        {
            var rows = Math.Min(KMeans.RowBlock, truth.Length - i);
            KMeans.NearestBlock(points.AsSpan(i * dimension, rows * dimension), rows, cells, norms, dimension, assigned.AsSpan(i, rows));
        }

        // The blocked search agrees with the one-vector one.
        for (var i = 0; i < truth.Length; i += 97)
        {
            Assert.Equal(KMeans.Nearest(points.AsSpan(i * dimension, dimension), cells, norms, dimension), assigned[i]);
        }

        var wholeClusters = Enumerable.Range(0, 200).Count(c => assigned.Where((_, i) => truth[i] == c).Distinct().Count() == 1);
        Assert.True(wholeClusters >= 195, $"{wholeClusters} of 200 clusters in one cell");
        var sizes = assigned.GroupBy(c => c).Select(g => g.Count()).ToList();
        Assert.True(sizes.Max() <= 4 * (truth.Length / 40), $"largest cell {sizes.Max()} of {truth.Length}");
    }

    [Fact]
    public void Identical_points_still_give_the_cells_asked_for()
    {
        var points = new float[100 * 8];
        Array.Fill(points, 0.5f);
        var cells = KMeans.Train(points, 100, 8, cells: 5, seed: 2);
        Assert.Equal(5 * 8, cells.Length);
        Assert.All(cells, value => Assert.Equal(0.5f, value));
    }
}
