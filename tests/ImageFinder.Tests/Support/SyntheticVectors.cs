namespace ImageFinder.Tests.Support;

/// <summary>Clustered, non-negative vectors (like pooled CNN features) for index tests.</summary>
public static class SyntheticVectors
{
    public static float[][] Clustered(int count, int dimension, int clusters, int seed, float noise = 0.6f)
    {
        var random = new Random(seed);
        var centres = Enumerable.Range(0, clusters).Select(_ => Vector(random, dimension, null, 1f)).ToArray();
        return Enumerable.Range(0, count).Select(_ => Vector(random, dimension, centres[random.Next(clusters)], noise)).ToArray();
    }

    /// <summary>A copy of <paramref name="source"/> with Gaussian noise, clamped at 0.</summary>
    public static float[] Perturbed(float[] source, Random random, float noise) => Vector(random, source.Length, source, noise);

    private static float[] Vector(Random random, int dimension, float[]? centre, float noise)
    {
        var vector = new float[dimension];
        for (var d = 0; d < dimension; d++)
        {
            var gaussian = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            vector[d] = MathF.Max(0, (centre?[d] ?? 0) + (noise * (float)gaussian));
        }

        return vector;
    }
}
