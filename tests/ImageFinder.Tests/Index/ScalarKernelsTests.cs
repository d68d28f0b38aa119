using ImageFinder.Index;

namespace ImageFinder.Tests.Index;

public sealed class ScalarKernelsTests
{
    public static TheoryData<KernelPath, int> PathsAndLengths()
    {
        var data = new TheoryData<KernelPath, int>();
        foreach (var path in Enum.GetValues<KernelPath>())
        {
            // Shorter than one vector step, exact multiples of 32 and 64, and lengths with every kind of tail.
            foreach (var length in new[] { 1, 7, 31, 32, 33, 63, 64, 65, 100, 127, 128, 1000, 2048 })
            {
                data.Add(path, length);
            }
        }

        return data;
    }

    // Every path is run on every machine: a path the CPU does not accelerate is emulated by .NET and must give the
    // same sums; where it is accelerated (AVX2 here, AVX-512 on the Xeon machines) this tests the real instructions.
    [Theory]
    [MemberData(nameof(PathsAndLengths))]
    public void Every_path_computes_the_same_distances_as_the_definition(KernelPath path, int length)
    {
        var random = new Random(length * 31 + (int)path);
        var code = Enumerable.Range(0, length).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();
        var scale = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 0.05)).ToArray();
        var centred = Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 8) - 4)).ToArray();

        double squared = 0, manhattan = 0;
        for (var d = 0; d < length; d++)
        {
            var t = ((double)scale[d] * code[d]) - centred[d];
            squared += t * t;
            manhattan += Math.Abs(t);
        }

        Assert.Equal(squared, ScalarKernels.SquaredL2(code, scale, centred, path), squared * 1e-5);
        Assert.Equal(manhattan, ScalarKernels.L1(code, scale, centred, path), manhattan * 1e-5);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(2048)]
    [InlineData(2049)]
    public void Bounded_distances_are_exact_below_the_limit_and_past_it_when_abandoned(int length)
    {
        var random = new Random(length);
        var code = Enumerable.Range(0, length).Select(_ => (sbyte)random.Next(-127, 128)).ToArray();
        var scale = Enumerable.Repeat(0.01f, length).ToArray();
        var centred = Enumerable.Range(0, length).Select(_ => (float)random.NextDouble()).ToArray();
        foreach (var path in Enum.GetValues<KernelPath>())
        {
            var squared = ScalarKernels.SquaredL2(code, scale, centred, path);
            var manhattan = ScalarKernels.L1(code, scale, centred, path);
            Assert.Equal(squared, ScalarKernels.SquaredL2Bounded(code, scale, centred, float.PositiveInfinity, path), squared * 1e-5f);
            Assert.Equal(manhattan, ScalarKernels.L1Bounded(code, scale, centred, manhattan * 1.01f, path), manhattan * 1e-5f);
            Assert.True(ScalarKernels.SquaredL2Bounded(code, scale, centred, squared / 2, path) > squared / 2);
            Assert.True(ScalarKernels.L1Bounded(code, scale, centred, manhattan * 0.99f, path) > manhattan * 0.99f);
        }
    }

    [Fact]
    public void The_extreme_codes_do_not_overflow_or_lose_their_sign()
    {
        var code = new sbyte[64];
        Array.Fill(code, sbyte.MinValue, 0, 32);
        Array.Fill(code, (sbyte)127, 32, 32);
        var scale = Enumerable.Repeat(1f, 64).ToArray();
        var centred = new float[64];
        foreach (var path in Enum.GetValues<KernelPath>())
        {
            Assert.Equal((32 * 128f * 128f) + (32 * 127f * 127f), ScalarKernels.SquaredL2(code, scale, centred, path));
            Assert.Equal((32 * 128f) + (32 * 127f), ScalarKernels.L1(code, scale, centred, path));
        }
    }

    [Fact]
    public void The_best_path_is_one_this_cpu_accelerates()
    {
        Assert.True(ScalarKernels.IsAccelerated(ScalarKernels.Best));
        Assert.True(ScalarKernels.IsAccelerated(KernelPath.Scalar));
    }

    [Fact]
    public void A_scale_or_query_shorter_than_the_code_is_refused()
    {
        Assert.Throws<ArgumentException>(() => ScalarKernels.SquaredL2(new sbyte[8], new float[7], new float[8], KernelPath.Scalar));
        Assert.Throws<ArgumentException>(() => ScalarKernels.L1(new sbyte[8], new float[8], new float[4], KernelPath.Vector256));
    }
}
