using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ImageFinder.Index;

/// <summary>
/// Distances from a float query to 8-bit codes, the inner loop of every in-memory search. A code <c>c</c> stands
/// for the vector <c>mean + scale · c</c>; the query arrives centred, as <c>q − mean</c>, so the
/// distance to the code's vector is Σ f(scale_d · c_d − centred_d). Written by hand because no .NET package
/// computes a float-to-int8 distance with a per-dimension scale (System.Numerics.Tensors has no mixed-type kernels,
/// and converting each row to float first would triple the memory traffic). Three paths, chosen once: 512-bit
/// vectors, 256-bit vectors, and scalar; tests run each against the scalar one.
/// </summary>
public static class ScalarKernels
{
    /// <summary>The widest path this CPU runs.</summary>
    public static KernelPath Best { get; } =
        Vector512.IsHardwareAccelerated ? KernelPath.Vector512
        : Avx2.IsSupported && Fma.IsSupported ? KernelPath.Avx2
        : Vector256.IsHardwareAccelerated ? KernelPath.Vector256
        : KernelPath.Scalar;

    /// <summary>
    /// Whether <paramref name="path"/> runs accelerated here. A portable path that does not is emulated (correct, only
    /// slow); <see cref="KernelPath.Avx2"/> on a CPU without AVX2 falls back to <see cref="KernelPath.Vector256"/>.
    /// </summary>
    public static bool IsAccelerated(KernelPath path) => path switch
    {
        KernelPath.Vector512 => Vector512.IsHardwareAccelerated,
        KernelPath.Vector256 => Vector256.IsHardwareAccelerated,
        KernelPath.Avx2 => Avx2.IsSupported && Fma.IsSupported,
        _ => true,
    };

    /// <summary>Σ (scale_d · code_d − centred_d)²: the squared L2 distance from the query to the code's vector.</summary>
    public static float SquaredL2(ReadOnlySpan<sbyte> code, ReadOnlySpan<float> scale, ReadOnlySpan<float> centred) =>
        Sum<Squared>(code, scale, centred, Best);

    /// <summary>Σ |scale_d · code_d − centred_d|: the L1 distance from the query to the code's vector.</summary>
    public static float L1(ReadOnlySpan<sbyte> code, ReadOnlySpan<float> scale, ReadOnlySpan<float> centred) =>
        Sum<Magnitude>(code, scale, centred, Best);

    public static float SquaredL2(ReadOnlySpan<sbyte> code, ReadOnlySpan<float> scale, ReadOnlySpan<float> centred, KernelPath path) =>
        Sum<Squared>(code, scale, centred, path);

    public static float L1(ReadOnlySpan<sbyte> code, ReadOnlySpan<float> scale, ReadOnlySpan<float> centred, KernelPath path) =>
        Sum<Magnitude>(code, scale, centred, path);

    /// <summary>Dimensions summed between two checks against the limit in the bounded distances.</summary>
    public const int BoundedBlock = 256;

    /// <summary>
    /// <see cref="SquaredL2(ReadOnlySpan{sbyte}, ReadOnlySpan{float}, ReadOnlySpan{float}, KernelPath)"/>, abandoned as soon as
    /// the partial sum passes <paramref name="limit"/> (the sum only grows): a value above the limit means "farther than
    /// the limit", not the distance. Most rows of a scan are far from the query and are dropped after a part of their
    /// dimensions.
    /// </summary>
    public static float SquaredL2Bounded(ReadOnlySpan<sbyte> code, ReadOnlySpan<float> scale, ReadOnlySpan<float> centred, float limit, KernelPath path) =>
        Bounded<Squared>(code, scale, centred, limit, path);

    /// <summary><see cref="L1(ReadOnlySpan{sbyte}, ReadOnlySpan{float}, ReadOnlySpan{float}, KernelPath)"/>, abandoned once past <paramref name="limit"/> (see <see cref="SquaredL2Bounded"/>).</summary>
    public static float L1Bounded(ReadOnlySpan<sbyte> code, ReadOnlySpan<float> scale, ReadOnlySpan<float> centred, float limit, KernelPath path) =>
        Bounded<Magnitude>(code, scale, centred, limit, path);

    private static float Bounded<TTerm>(ReadOnlySpan<sbyte> code, ReadOnlySpan<float> scale, ReadOnlySpan<float> centred, float limit, KernelPath path)
        where TTerm : struct, ITerm => Sum<TTerm>(code, scale, centred, path, limit);

    /// <summary>
    /// Σ term(scale_d · code_d − centred_d) on <paramref name="path"/>, its scalar loop finishing what the vector loop
    /// leaves. With a finite <paramref name="limit"/> the partial sum is compared with it after every
    /// <see cref="BoundedBlock"/> dimensions, inside the one loop (the accumulators stay in registers), and the sum so
    /// far is returned once it is past the limit.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Sum<TTerm>(ReadOnlySpan<sbyte> code, ReadOnlySpan<float> scale, ReadOnlySpan<float> centred, KernelPath path, float limit = float.PositiveInfinity)
        where TTerm : struct, ITerm
    {
        if (scale.Length < code.Length || centred.Length < code.Length)
        {
            throw new ArgumentException("The scale and the query must be as long as the code.");
        }

        var done = 0;
        var sum = 0f;
        var bounded = float.IsFinite(limit);
        if (path == KernelPath.Vector512 && code.Length >= 64)
        {
            (sum, done) = SumVector512<TTerm>(code, scale, centred, bounded, limit);
        }
        else if (path == KernelPath.Avx2 && Avx2.IsSupported && Fma.IsSupported && code.Length >= 32)
        {
            (sum, done) = SumAvx2<TTerm>(code, scale, centred, bounded, limit);
        }
        else if (path != KernelPath.Scalar && code.Length >= 32)
        {
            (sum, done) = SumVector256<TTerm>(code, scale, centred, bounded, limit);
        }

        for (var d = done; d < code.Length; d++)
        {
            sum += TTerm.Of((scale[d] * code[d]) - centred[d]);
            if (bounded && ((d + 1) & (BoundedBlock - 1)) == 0 && sum > limit)
            {
                break;
            }
        }

        return sum;
    }

    // The vector paths take 32 (or 64) dimensions per step: one load of signed bytes widened to four float vectors,
    // each difference t = scale · c − q accumulated as t² or |t| in its own register.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe (float Sum, int Done) SumAvx2<TTerm>(ReadOnlySpan<sbyte> code, ReadOnlySpan<float> scale, ReadOnlySpan<float> centred, bool bounded, float limit)
        where TTerm : struct, ITerm
    {
        fixed (sbyte* c = code)
        fixed (float* s = scale)
        fixed (float* q = centred)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            var d = 0;
            for (; d <= code.Length - 32; d += 32)
            {
                a0 = TTerm.Add(a0, Difference(c, s, q, d));
                a1 = TTerm.Add(a1, Difference(c, s, q, d + 8));
                a2 = TTerm.Add(a2, Difference(c, s, q, d + 16));
                a3 = TTerm.Add(a3, Difference(c, s, q, d + 24));
                if (bounded && ((d + 32) & (BoundedBlock - 1)) == 0 && Vector256.Sum((a0 + a1) + (a2 + a3)) > limit)
                {
                    return (Vector256.Sum((a0 + a1) + (a2 + a3)), code.Length);
                }
            }

            return (Vector256.Sum((a0 + a1) + (a2 + a3)), d);
        }
    }

    /// <summary>scale · code − query for the 8 dimensions from <paramref name="d"/>: the bytes are widened to floats as they are loaded (<c>vpmovsxbd</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> Difference(sbyte* c, float* s, float* q, int d) =>
        Fma.MultiplySubtract(Avx.LoadVector256(s + d), Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(c + d)), Avx.LoadVector256(q + d));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (float Sum, int Done) SumVector256<TTerm>(ReadOnlySpan<sbyte> code, ReadOnlySpan<float> scale, ReadOnlySpan<float> centred, bool bounded, float limit)
        where TTerm : struct, ITerm
    {
        ref var c = ref MemoryMarshal.GetReference(code);
        ref var s = ref MemoryMarshal.GetReference(scale);
        ref var q = ref MemoryMarshal.GetReference(centred);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        var d = 0;
        for (; d <= code.Length - 32; d += 32)
        {
            var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref c, (nuint)d));
            var (w0, w1) = Vector256.Widen(low);
            var (w2, w3) = Vector256.Widen(high);
            a0 = TTerm.Add(a0, Difference256(ref s, ref q, d, w0));
            a1 = TTerm.Add(a1, Difference256(ref s, ref q, d + 8, w1));
            a2 = TTerm.Add(a2, Difference256(ref s, ref q, d + 16, w2));
            a3 = TTerm.Add(a3, Difference256(ref s, ref q, d + 24, w3));
            if (bounded && ((d + 32) & (BoundedBlock - 1)) == 0 && Vector256.Sum((a0 + a1) + (a2 + a3)) > limit)
            {
                return (Vector256.Sum((a0 + a1) + (a2 + a3)), code.Length);
            }
        }

        return (Vector256.Sum((a0 + a1) + (a2 + a3)), d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Difference256(ref float s, ref float q, int d, Vector256<int> codes) =>
        Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref s, (nuint)d), Vector256.ConvertToSingle(codes), -Vector256.LoadUnsafe(ref q, (nuint)d));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (float Sum, int Done) SumVector512<TTerm>(ReadOnlySpan<sbyte> code, ReadOnlySpan<float> scale, ReadOnlySpan<float> centred, bool bounded, float limit)
        where TTerm : struct, ITerm
    {
        ref var c = ref MemoryMarshal.GetReference(code);
        ref var s = ref MemoryMarshal.GetReference(scale);
        ref var q = ref MemoryMarshal.GetReference(centred);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        var d = 0;
        for (; d <= code.Length - 64; d += 64)
        {
            var (low, high) = Vector512.Widen(Vector512.LoadUnsafe(ref c, (nuint)d));
            var (w0, w1) = Vector512.Widen(low);
            var (w2, w3) = Vector512.Widen(high);
            a0 = TTerm.Add(a0, Difference512(ref s, ref q, d, w0));
            a1 = TTerm.Add(a1, Difference512(ref s, ref q, d + 16, w1));
            a2 = TTerm.Add(a2, Difference512(ref s, ref q, d + 32, w2));
            a3 = TTerm.Add(a3, Difference512(ref s, ref q, d + 48, w3));
            if (bounded && ((d + 64) & (BoundedBlock - 1)) == 0 && Vector512.Sum((a0 + a1) + (a2 + a3)) > limit)
            {
                return (Vector512.Sum((a0 + a1) + (a2 + a3)), code.Length);
            }
        }

        return (Vector512.Sum((a0 + a1) + (a2 + a3)), d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Difference512(ref float s, ref float q, int d, Vector512<int> codes) =>
        Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref s, (nuint)d), Vector512.ConvertToSingle(codes), -Vector512.LoadUnsafe(ref q, (nuint)d));

    /// <summary>What each dimension's difference adds to a distance; a struct type argument, so every kernel is compiled for each without a call.</summary>
    private interface ITerm
    {
        static abstract float Of(float difference);

        static abstract Vector256<float> Add(Vector256<float> sum, Vector256<float> difference);

        static abstract Vector512<float> Add(Vector512<float> sum, Vector512<float> difference);
    }

    /// <summary>Squared L2: t².</summary>
    private readonly struct Squared : ITerm
    {
        public static float Of(float difference) => difference * difference;

        public static Vector256<float> Add(Vector256<float> sum, Vector256<float> difference) => Vector256.FusedMultiplyAdd(difference, difference, sum);

        public static Vector512<float> Add(Vector512<float> sum, Vector512<float> difference) => Vector512.FusedMultiplyAdd(difference, difference, sum);
    }

    /// <summary>L1: |t|.</summary>
    private readonly struct Magnitude : ITerm
    {
        public static float Of(float difference) => MathF.Abs(difference);

        public static Vector256<float> Add(Vector256<float> sum, Vector256<float> difference) => sum + Vector256.Abs(difference);

        public static Vector512<float> Add(Vector512<float> sum, Vector512<float> difference) => sum + Vector512.Abs(difference);
    }
}
