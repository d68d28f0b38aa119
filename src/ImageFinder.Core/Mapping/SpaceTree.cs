namespace ImageFinder.Mapping;

/// <summary>
/// A Barnes-Hut quadtree (2D) or octree (3D) over the current t-SNE positions: each cell keeps the number of
/// points in it and their centre of mass, so the repulsion from a far cell is computed as from one point.
/// Coincident points share a leaf (they would otherwise split cells forever).
/// </summary>
internal sealed class SpaceTree
{
    private const int MaxDepth = 48;

    private readonly int dims;
    private readonly int fanout;
    private double[] centres = [];
    private double[] masses = [];
    private double[] halfWidths = [];
    private int[] counts = [];
    private int[] firstChildren = [];
    private int used;

    public SpaceTree(int dims)
    {
        if (dims is < 1 or > 3)
        {
            throw new ArgumentOutOfRangeException(nameof(dims), dims, "The tree supports 1 to 3 dimensions.");
        }

        this.dims = dims;
        fanout = 1 << dims;
    }

    /// <summary>Rebuilds the tree over <paramref name="n"/> points (row-major, <c>dims</c> per point).</summary>
    public void Build(ReadOnlySpan<double> positions, int n)
    {
        used = 0;
        Span<double> low = stackalloc double[dims];
        Span<double> high = stackalloc double[dims];
        low.Fill(double.PositiveInfinity);
        high.Fill(double.NegativeInfinity);
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < dims; k++)
            {
                low[k] = Math.Min(low[k], positions[(i * dims) + k]);
                high[k] = Math.Max(high[k], positions[(i * dims) + k]);
            }
        }

        var root = NewNode();
        double half = 0;
        for (var k = 0; k < dims; k++)
        {
            centres[(root * dims) + k] = n == 0 ? 0 : (low[k] + high[k]) / 2;
            half = Math.Max(half, n == 0 ? 0 : (high[k] - low[k]) / 2);
        }

        halfWidths[root] = (half * (1 + 1e-6)) + 1e-12;
        for (var i = 0; i < n; i++)
        {
            Insert(positions.Slice(i * dims, dims));
        }
    }

    /// <summary>
    /// Adds the repulsive force on the point at <paramref name="point"/> (which is in the tree) to
    /// <paramref name="force"/> (Σ q² (y − yⱼ), unnormalised) and returns its share of Z = Σ q.
    /// </summary>
    public double Repulsion(ReadOnlySpan<double> point, Span<double> force, double theta) => Visit(0, point, force, theta * theta);

    private double Visit(int node, ReadOnlySpan<double> point, Span<double> force, double thetaSquared)
    {
        var count = counts[node];
        if (count == 0)
        {
            return 0;
        }

        Span<double> difference = stackalloc double[dims];
        double distance = 0;
        for (var k = 0; k < dims; k++)
        {
            difference[k] = point[k] - masses[(node * dims) + k];
            distance += difference[k] * difference[k];
        }

        var leaf = firstChildren[node] < 0;
        var half = halfWidths[node];
        if (leaf || half * half < thetaSquared * distance)
        {
            // A leaf at distance 0 is the point's own (with its coincident copies, which repel with q = 1 and no direction).
            var others = leaf && distance == 0 ? count - 1 : count;
            var q = 1 / (1 + distance);
            var weight = others * q * q;
            for (var k = 0; k < dims; k++)
            {
                force[k] += weight * difference[k];
            }

            return others * q;
        }

        double z = 0;
        var first = firstChildren[node];
        for (var c = 0; c < fanout; c++)
        {
            z += Visit(first + c, point, force, thetaSquared);
        }

        return z;
    }

    private void Insert(ReadOnlySpan<double> point)
    {
        var node = 0;
        for (var depth = 0; ; depth++)
        {
            if (firstChildren[node] < 0)
            {
                if (counts[node] == 0)
                {
                    counts[node] = 1;
                    point.CopyTo(masses.AsSpan(node * dims, dims));
                    return;
                }

                if (depth >= MaxDepth || point.SequenceEqual(masses.AsSpan(node * dims, dims)))
                {
                    AddMass(node, point);
                    return;
                }

                Split(node);
            }

            AddMass(node, point);
            node = firstChildren[node] + ChildIndex(node, point);
        }
    }

    /// <summary>Turns a leaf into a cell with empty children and moves its (coincident) points into the right child.</summary>
    private void Split(int node)
    {
        var first = used;
        for (var c = 0; c < fanout; c++)
        {
            var child = NewNode();
            halfWidths[child] = halfWidths[node] / 2;
            for (var k = 0; k < dims; k++)
            {
                var offset = (c >> k & 1) == 1 ? halfWidths[child] : -halfWidths[child];
                centres[(child * dims) + k] = centres[(node * dims) + k] + offset;
            }
        }

        firstChildren[node] = first;
        var target = first + ChildIndex(node, masses.AsSpan(node * dims, dims));
        counts[target] = counts[node];
        masses.AsSpan(node * dims, dims).CopyTo(masses.AsSpan(target * dims, dims));
    }

    private void AddMass(int node, ReadOnlySpan<double> point)
    {
        var count = counts[node] + 1;
        for (var k = 0; k < dims; k++)
        {
            ref var mass = ref masses[(node * dims) + k];
            mass += (point[k] - mass) / count;
        }

        counts[node] = count;
    }

    private int ChildIndex(int node, ReadOnlySpan<double> point)
    {
        var index = 0;
        for (var k = 0; k < dims; k++)
        {
            if (point[k] > centres[(node * dims) + k])
            {
                index |= 1 << k;
            }
        }

        return index;
    }

    private int NewNode()
    {
        if (used == counts.Length)
        {
            var capacity = Math.Max(64, counts.Length * 2);
            Array.Resize(ref centres, capacity * dims);
            Array.Resize(ref masses, capacity * dims);
            Array.Resize(ref halfWidths, capacity);
            Array.Resize(ref counts, capacity);
            Array.Resize(ref firstChildren, capacity);
        }

        var node = used++;
        counts[node] = 0;
        firstChildren[node] = -1;
        halfWidths[node] = 0;
        masses.AsSpan(node * dims, dims).Clear();
        centres.AsSpan(node * dims, dims).Clear();
        return node;
    }
}
