using ImageFinder.Mapping;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Mapping;

public sealed class PcaTests
{
    [Fact]
    public void Coordinates_match_an_exact_eigendecomposition_of_the_covariance()
    {
        // 400 points in 30-d with very different variances along random directions.
        const int n = 400, d = 30;
        var random = new Random(7);
        var values = new float[n * d];
        var scales = Enumerable.Range(0, d).Select(j => 10.0f / (1 + j)).ToArray();
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < d; j++)
            {
                values[(i * d) + j] = 5 + (scales[j] * MatrixVectorSource.Gaussian(random));
            }
        }

        var rotated = Rotate(values, n, d, new Random(8));
        var source = new MatrixVectorSource(rotated, d);

        var result = Pca.Project(source, 3, seed: 1, CancellationToken.None);

        var (expectedCoordinates, expectedShares) = ExactPca(rotated, n, d, 3);
        for (var c = 0; c < 3; c++)
        {
            Assert.Equal(expectedShares[c], result.ExplainedVariance[c], 3);
            // Components are defined up to sign.
            var sign = Math.Sign(Dot(result.Coordinates, expectedCoordinates, n, 3, c));
            for (var i = 0; i < n; i++)
            {
                Assert.Equal(expectedCoordinates[(i * 3) + c], sign * result.Coordinates[(i * 3) + c], 2);
            }
        }

        Assert.True(result.ExplainedVariance[0] > result.ExplainedVariance[1]);
        Assert.True(result.ExplainedVariance[1] > result.ExplainedVariance[2]);
    }

    [Fact]
    public void Same_input_and_seed_give_the_same_coordinates()
    {
        var source = MatrixVectorSource.Clusters(4, 25, 64, 1f, seed: 3);

        var first = Pca.Project(source, 2, seed: 5, CancellationToken.None);
        var second = Pca.Project(source, 2, seed: 5, CancellationToken.None);

        Assert.Equal(first.Coordinates, second.Coordinates);
        Assert.Equal(100 * 2, first.Coordinates.Length);
    }

    [Fact]
    public void More_components_than_points_give_zeros_beyond_the_rank_not_NaN()
    {
        // Two points: one direction of variance.
        var source = new MatrixVectorSource([0, 0, 0, 0, 2, 0, 0, 0], 4);

        var result = Pca.Project(source, 3, seed: 1, CancellationToken.None);

        Assert.All(result.Coordinates, value => Assert.False(float.IsNaN(value)));
        Assert.Equal(1f, result.ExplainedVariance[0], 4);
        Assert.Equal(2f, Math.Abs(result.Coordinates[0] - result.Coordinates[3]), 4);
        Assert.Equal(0f, result.Coordinates[1], 4);
    }

    [Fact]
    public void Jacobi_decomposition_reconstructs_the_matrix_with_eigenvalues_largest_first()
    {
        const int n = 6;
        var random = new Random(11);
        var matrix = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = i; j < n; j++)
            {
                matrix[(i * n) + j] = matrix[(j * n) + i] = random.NextDouble() - 0.5;
            }
        }

        var (values, vectors) = SymmetricEigen.Decompose(matrix, n);

        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                double sum = 0;
                for (var k = 0; k < n; k++)
                {
                    sum += vectors[(i * n) + k] * values[k] * vectors[(j * n) + k];
                }

                Assert.Equal(matrix[(i * n) + j], sum, 9);
            }
        }

        Assert.Equal(values.OrderByDescending(v => v), values);
    }

    [Fact]
    public void An_empty_source_gives_no_coordinates()
    {
        var result = Pca.Project(new MatrixVectorSource([], 8), 2, seed: 1, CancellationToken.None);

        Assert.Empty(result.Coordinates);
    }

    private static float Dot(float[] a, float[] b, int n, int width, int column)
    {
        float sum = 0;
        for (var i = 0; i < n; i++)
        {
            sum += a[(i * width) + column] * b[(i * width) + column];
        }

        return sum;
    }

    private static float[] Rotate(float[] values, int n, int d, Random random)
    {
        // A random orthogonal matrix from Gram-Schmidt on Gaussian columns.
        var q = new double[d, d];
        for (var c = 0; c < d; c++)
        {
            var column = Enumerable.Range(0, d).Select(_ => (double)MatrixVectorSource.Gaussian(random)).ToArray();
            for (var p = 0; p < c; p++)
            {
                double dot = 0;
                for (var r = 0; r < d; r++)
                {
                    dot += column[r] * q[r, p];
                }

                for (var r = 0; r < d; r++)
                {
                    column[r] -= dot * q[r, p];
                }
            }

            var norm = Math.Sqrt(column.Sum(x => x * x));
            for (var r = 0; r < d; r++)
            {
                q[r, c] = column[r] / norm;
            }
        }

        var rotated = new float[n * d];
        for (var i = 0; i < n; i++)
        {
            for (var r = 0; r < d; r++)
            {
                double sum = 0;
                for (var c = 0; c < d; c++)
                {
                    sum += q[r, c] * values[(i * d) + c];
                }

                rotated[(i * d) + r] = (float)sum;
            }
        }

        return rotated;
    }

    /// <summary>Reference: the full D×D covariance, diagonalised, then projections on its top eigenvectors.</summary>
    private static (float[] Coordinates, float[] Shares) ExactPca(float[] values, int n, int d, int components)
    {
        var mean = new double[d];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < d; j++)
            {
                mean[j] += values[(i * d) + j] / (double)n;
            }
        }

        var covariance = new double[d * d];
        for (var i = 0; i < n; i++)
        {
            for (var a = 0; a < d; a++)
            {
                for (var b = 0; b < d; b++)
                {
                    covariance[(a * d) + b] += (values[(i * d) + a] - mean[a]) * (values[(i * d) + b] - mean[b]) / n;
                }
            }
        }

        var trace = Enumerable.Range(0, d).Sum(j => covariance[(j * d) + j]);
        var (eigenvalues, eigenvectors) = JacobiReference(covariance, d);
        var coordinates = new float[n * components];
        for (var i = 0; i < n; i++)
        {
            for (var c = 0; c < components; c++)
            {
                double sum = 0;
                for (var j = 0; j < d; j++)
                {
                    sum += (values[(i * d) + j] - mean[j]) * eigenvectors[(j * d) + c];
                }

                coordinates[(i * components) + c] = (float)sum;
            }
        }

        return (coordinates, Enumerable.Range(0, components).Select(c => (float)(eigenvalues[c] / trace)).ToArray());
    }

    private static (double[] Values, double[] Vectors) JacobiReference(double[] matrix, int d) => SymmetricEigen.Decompose(matrix, d);
}
