using System.Numerics;
using ImageFinder.Storage;

namespace ImageFinder.Tests.Storage;

public sealed class HammingScanTests
{
    [Theory]
    [InlineData(32)] // 2048-d: the AVX-512 path
    [InlineData(4)]  // 256-d: the AVX2 path
    [InlineData(3)]  // 192-d: the scalar path
    public void Every_path_counts_the_differing_bits_exactly(int words)
    {
        var random = new Random(words);
        var query = Enumerable.Range(0, words).Select(_ => (ulong)random.NextInt64() ^ ((ulong)random.Next() << 33)).ToArray();
        const int count = 1000;
        var codes = new ulong[count * words];
        for (var i = 0; i < codes.Length; i++)
        {
            codes[i] = (ulong)random.NextInt64() * 3;
        }

        codes.AsSpan(0, words).Fill(0);          // all zero
        query.CopyTo(codes.AsSpan(words, words)); // identical to the query
        codes.AsSpan(2 * words, words).Fill(ulong.MaxValue);

        var distances = new int[count];
        var histogram = new int[(words * 64) + 1];
        HammingScan.Scan(query, codes, distances, histogram);

        for (var i = 0; i < count; i++)
        {
            var expected = 0;
            for (var w = 0; w < words; w++)
            {
                expected += BitOperations.PopCount(query[w] ^ codes[(i * words) + w]);
            }

            Assert.Equal(expected, distances[i]);
        }

        Assert.Equal(0, distances[1]);
        Assert.Equal(words * 64, distances[0] + distances[2]);
        Assert.Equal(count, histogram.Sum());
        Assert.Equal(distances.Count(d => d == distances[5]), histogram[distances[5]]);
    }
}
