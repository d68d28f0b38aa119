using System.Numerics;
using ImageFinder.Index;

namespace ImageFinder.Tests.Index;

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

    [Theory]
    [InlineData(1000)] // 16 words: the AVX-512 path (AVX2 where the CPU has no AVX-512)
    [InlineData(2000)] // 32 words: the AVX-512 path too, with padding in the last word
    [InlineData(740)]  // 12 words: the AVX2 path
    [InlineData(150)]  // 3 words: the scalar path
    public void Codes_of_a_dimension_that_is_not_a_multiple_of_64_fit_a_histogram_of_dimension_plus_one(int bits)
    {
        var words = (bits + 63) / 64;
        var random = new Random(bits);
        var query = RandomCode(random, bits);
        const int count = 500;
        var codes = new ulong[count * words];
        for (var i = 0; i < count; i++)
        {
            RandomCode(random, bits).CopyTo(codes.AsSpan(i * words, words));
        }

        // The farthest code possible: every one of the bits differs (the padding past them never does).
        for (var d = 0; d < bits; d++)
        {
            var word = d >> 6;
            codes[word] = (codes[word] & ~(1UL << (d & 63))) | (~query[word] & (1UL << (d & 63)));
        }

        var distances = new int[count];
        var histogram = new int[bits + 1];
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

        Assert.Equal(bits, distances[0]);
        Assert.Equal(1, histogram[bits]);
        Assert.Equal(count, histogram.Sum());

        // A histogram that cannot hold the distances of codes using the last word is still refused.
        Assert.Throws<ArgumentException>(() => HammingScan.Scan(query, codes, distances, new int[((words - 1) * 64) + 1]));
    }

    /// <summary>A random code of <paramref name="bits"/> bits, its padding bits zero (as the index encodes them).</summary>
    private static ulong[] RandomCode(Random random, int bits)
    {
        var code = new ulong[(bits + 63) / 64];
        for (var w = 0; w < code.Length; w++)
        {
            code[w] = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 31);
        }

        if (bits % 64 != 0)
        {
            code[^1] &= (1UL << (bits % 64)) - 1;
        }

        return code;
    }
}
