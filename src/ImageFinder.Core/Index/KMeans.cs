using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ImageFinder.Index;

/// <summary>
/// The cells of a <see cref="VectorIndex"/>: bisecting k-means over a sample. Starting from one group, the largest group
/// is split in two by 2-means until there are as many groups as cells; the centres are the groups' means. Plain Lloyd
/// k-means was tried first: in 2048-d with more natural clusters than cells, a centre that takes several clusters
/// moves to their mean, which is nearer to everything else, and takes ever more (at 100k vectors and 316 cells its
/// largest cell held 10 % of the vectors, and queries scanned 30 times more codes than they should). Splitting the
/// largest group keeps cells of similar sizes. Seeded, so a build is repeatable. Written here because the .NET ML
/// packages with k-means (ML.NET) bring a whole framework for one loop and do not do bisecting k-means.
/// </summary>
public static class KMeans
{
    private const int SplitIterations = 6;

    /// <summary><paramref name="cells"/> centres (row-major) for the <paramref name="count"/> rows of <paramref name="points"/>.</summary>
    public static float[] Train(float[] points, int count, int dimension, int cells, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cells, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, cells);
        var random = new Random(seed);
        var groups = new PriorityQueue<int[], int>(Comparer<int>.Create((a, b) => b.CompareTo(a)));
        groups.Enqueue(Enumerable.Range(0, count).ToArray(), count);
        var finished = new List<int[]>();
        while (groups.Count + finished.Count < cells && groups.Count > 0)
        {
            var largest = groups.Dequeue();
            if (largest.Length < 2)
            {
                finished.Add(largest);
                continue;
            }

            var (left, right) = Split(points, dimension, largest, random);
            groups.Enqueue(left, left.Length);
            groups.Enqueue(right, right.Length);
        }

        var all = finished.Concat(groups.UnorderedItems.Select(item => item.Element)).ToList();
        var centres = new float[all.Count * dimension];
        for (var c = 0; c < all.Count; c++)
        {
            Mean(points, dimension, all[c], centres.AsSpan(c * dimension, dimension));
        }

        return centres;
    }

    /// <summary>2-means of one group: two distinct random members as the first centres, then a few Lloyd steps.</summary>
    private static (int[] Left, int[] Right) Split(float[] points, int dimension, int[] members, Random random)
    {
        var first = members[random.Next(members.Length)];
        var second = members[random.Next(members.Length)];
        for (var tries = 0; tries < 8 && second == first; tries++)
        {
            second = members[random.Next(members.Length)];
        }

        var a = points.AsSpan(first * dimension, dimension).ToArray();
        var b = points.AsSpan(second * dimension, dimension).ToArray();
        var side = new bool[members.Length];
        for (var iteration = 0; iteration < SplitIterations; iteration++)
        {
            var normA = TensorPrimitives.Dot(a, a);
            var normB = TensorPrimitives.Dot(b, b);
            Parallel.For(0, members.Length, i =>
            {
                var row = points.AsSpan(members[i] * dimension, dimension);
                side[i] = normB - (2f * TensorPrimitives.Dot(row, b)) < normA - (2f * TensorPrimitives.Dot(row, a));
            });

            var right = members.Where((_, i) => side[i]).ToArray();
            var left = members.Where((_, i) => !side[i]).ToArray();
            if (left.Length == 0 || right.Length == 0)
            {
                break;
            }

            Mean(points, dimension, left, a);
            Mean(points, dimension, right, b);
        }

        var rights = members.Where((_, i) => side[i]).ToArray();
        var lefts = members.Where((_, i) => !side[i]).ToArray();
        if (lefts.Length == 0 || rights.Length == 0)
        {
            // Identical points cannot be told apart: halve the group.
            return (members[..(members.Length / 2)], members[(members.Length / 2)..]);
        }

        return (lefts, rights);
    }

    private static void Mean(float[] points, int dimension, int[] members, Span<float> destination)
    {
        var sum = new double[dimension];
        foreach (var member in members)
        {
            var row = points.AsSpan(member * dimension, dimension);
            for (var d = 0; d < dimension; d++)
            {
                sum[d] += row[d];
            }
        }

        for (var d = 0; d < dimension; d++)
        {
            destination[d] = (float)(sum[d] / members.Length);
        }
    }

    /// <summary>Rows <see cref="NearestBlock"/> compares with each centre at once.</summary>
    public const int RowBlock = 4;

    /// <summary>
    /// The nearest centre of each of <paramref name="rows"/> (at most <see cref="RowBlock"/>) contiguous vectors. Each
    /// centre is loaded once for all the rows, which makes assigning a million vectors to a thousand centres bound by
    /// arithmetic instead of by reading the centres again for every vector.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void NearestBlock(ReadOnlySpan<float> block, int rows, float[] centres, float[] norms, int dimension, Span<int> nearest)
    {
        if (rows < 1 || rows > RowBlock || block.Length < rows * dimension || nearest.Length < rows)
        {
            throw new ArgumentException("The block does not hold the rows.");
        }

        // Missing rows repeat the last one, so the loop always works on four.
        ref var x0 = ref MemoryMarshal.GetReference(block);
        ref var x1 = ref Unsafe.Add(ref x0, Math.Min(1, rows - 1) * dimension);
        ref var x2 = ref Unsafe.Add(ref x0, Math.Min(2, rows - 1) * dimension);
        ref var x3 = ref Unsafe.Add(ref x0, Math.Min(3, rows - 1) * dimension);
        Span<float> best = [float.PositiveInfinity, float.PositiveInfinity, float.PositiveInfinity, float.PositiveInfinity];
        Span<float> dots = stackalloc float[RowBlock];
        var vectorEnd = Vector256.IsHardwareAccelerated ? dimension - (dimension % Vector256<float>.Count) : 0;
        for (var c = 0; c < norms.Length; c++)
        {
            ref var centre = ref centres[c * dimension];
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (var d = 0; d < vectorEnd; d += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref centre, (nuint)d);
                s0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x0, (nuint)d), v, s0);
                s1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x1, (nuint)d), v, s1);
                s2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x2, (nuint)d), v, s2);
                s3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x3, (nuint)d), v, s3);
            }

            dots[0] = Vector256.Sum(s0);
            dots[1] = Vector256.Sum(s1);
            dots[2] = Vector256.Sum(s2);
            dots[3] = Vector256.Sum(s3);
            for (var d = vectorEnd; d < dimension; d++)
            {
                var v = Unsafe.Add(ref centre, d);
                dots[0] += Unsafe.Add(ref x0, d) * v;
                dots[1] += Unsafe.Add(ref x1, d) * v;
                dots[2] += Unsafe.Add(ref x2, d) * v;
                dots[3] += Unsafe.Add(ref x3, d) * v;
            }

            for (var r = 0; r < rows; r++)
            {
                var score = norms[c] - (2f * dots[r]);
                if (score < best[r])
                {
                    best[r] = score;
                    nearest[r] = c;
                }
            }
        }
    }

    /// <summary>Squared norms of the centres, for <see cref="Nearest"/>.</summary>
    public static float[] Norms(float[] centres, int cells, int dimension)
    {
        var norms = new float[cells];
        for (var c = 0; c < cells; c++)
        {
            var centre = centres.AsSpan(c * dimension, dimension);
            norms[c] = TensorPrimitives.Dot(centre, centre);
        }

        return norms;
    }

    /// <summary>The centre nearest to <paramref name="vector"/> by L2 (‖c‖² − 2 v·c, the same order).</summary>
    public static int Nearest(ReadOnlySpan<float> vector, float[] centres, float[] norms, int dimension)
    {
        var best = 0;
        var bestScore = float.PositiveInfinity;
        for (var c = 0; c < norms.Length; c++)
        {
            var score = norms[c] - (2f * TensorPrimitives.Dot(vector, centres.AsSpan(c * dimension, dimension)));
            if (score < bestScore)
            {
                bestScore = score;
                best = c;
            }
        }

        return best;
    }
}
