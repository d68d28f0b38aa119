namespace ImageFinder.Mapping;

/// <summary>Eigen-decomposition of a small symmetric matrix by cyclic Jacobi rotations.</summary>
internal static class SymmetricEigen
{
    /// <summary>
    /// The eigenvalues of the symmetric <paramref name="n"/>×<paramref name="n"/> row-major <paramref name="matrix"/>,
    /// largest first, and the matching unit eigenvectors as the columns of <c>Vectors</c> (row-major n×n).
    /// </summary>
    public static (double[] Values, double[] Vectors) Decompose(double[] matrix, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(matrix.Length, n * n);
        var a = (double[])matrix.Clone();
        var v = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            v[(i * n) + i] = 1;
        }

        for (var sweep = 0; sweep < 100; sweep++)
        {
            double offDiagonal = 0, diagonal = 0;
            for (var i = 0; i < n; i++)
            {
                diagonal += a[(i * n) + i] * a[(i * n) + i];
                for (var j = i + 1; j < n; j++)
                {
                    offDiagonal += a[(i * n) + j] * a[(i * n) + j];
                }
            }

            if (offDiagonal <= 1e-30 * Math.Max(diagonal, 1e-300))
            {
                break;
            }

            for (var p = 0; p < n; p++)
            {
                for (var q = p + 1; q < n; q++)
                {
                    var apq = a[(p * n) + q];
                    if (apq == 0)
                    {
                        continue;
                    }

                    var theta = (a[(q * n) + q] - a[(p * n) + p]) / (2 * apq);
                    var t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt((theta * theta) + 1));
                    if (theta == 0)
                    {
                        t = 1;
                    }

                    var c = 1 / Math.Sqrt((t * t) + 1);
                    var s = t * c;
                    Rotate(a, v, n, p, q, c, s);
                }
            }
        }

        var order = Enumerable.Range(0, n).OrderByDescending(i => a[(i * n) + i]).ThenBy(i => i).ToArray();
        var values = new double[n];
        var vectors = new double[n * n];
        for (var k = 0; k < n; k++)
        {
            values[k] = a[(order[k] * n) + order[k]];
            for (var row = 0; row < n; row++)
            {
                vectors[(row * n) + k] = v[(row * n) + order[k]];
            }
        }

        return (values, vectors);
    }

    private static void Rotate(double[] a, double[] v, int n, int p, int q, double c, double s)
    {
        // A' = Jᵀ A J with J the rotation in the (p, q) plane; V' = V J.
        for (var k = 0; k < n; k++)
        {
            var akp = a[(k * n) + p];
            var akq = a[(k * n) + q];
            a[(k * n) + p] = (c * akp) - (s * akq);
            a[(k * n) + q] = (s * akp) + (c * akq);
        }

        for (var k = 0; k < n; k++)
        {
            var apk = a[(p * n) + k];
            var aqk = a[(q * n) + k];
            a[(p * n) + k] = (c * apk) - (s * aqk);
            a[(q * n) + k] = (s * apk) + (c * aqk);
        }

        for (var k = 0; k < n; k++)
        {
            var vkp = v[(k * n) + p];
            var vkq = v[(k * n) + q];
            v[(k * n) + p] = (c * vkp) - (s * vkq);
            v[(k * n) + q] = (s * vkp) + (c * vkq);
        }
    }
}
