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
        SquaredL2(code, scale, centred, Best);

    /// <summary>Σ |scale_d · code_d − centred_d|: the L1 distance from the query to the code's vector.</summary>
    public static float L1(ReadOnlySpan<sbyte> code, ReadOnlySpan<float> scale, ReadOnlySpan<float> centred) =>
        L1(code, scale, centred, Best);

    /// <summary>Dimensions summed between two checks against the limit in the bounded distances.</summary>
    public const int BoundedBlock = 256;

    /// <summary>
    /// <see cref="SquaredL2(ReadOnlySpan{sbyte}, ReadOnlySpan{float}, ReadOnlySpan{float}, KernelPath)"/>, abandoned as soon as
    /// the partial sum passes <paramref name="limit"/> (the sum only grows): a value above the limit means "farther than
    /// the limit", not the distance. Most rows of a scan are far from the query and are dropped after a part of their
    /// dimensions.
    /// </summary>
    public static float SquaredL2Bounded(ReadOnlySpan<sbyte> code, ReadOnlySpan<float> scale, ReadOnlySpan<float> centred, float limit, KernelPath path)
    {
        var sum = 0f;
        for (var d = 0; d < code.Length; d += BoundedBlock)
        {
            var length = Math.Min(BoundedBlock, code.Length - d);
            sum += SquaredL2(code.Slice(d, length), scale.Slice(d, length), centred.Slice(d, length), path);
            if (sum > limit)
            {
                break;
            }
        }

        return sum;
    }

    /// <summary><see cref="L1(ReadOnlySpan{sbyte}, ReadOnlySpan{float}, ReadOnlySpan{float}, KernelPath)"/>, abandoned once past <paramref name="limit"/> (see <see cref="SquaredL2Bounded"/>).</summary>
    public static float L1Bounded(ReadOnlySpan<sbyte> code, ReadOnlySpan<float> scale, ReadOnlySpan<float> centred, float limit, KernelPath path)
    {
        var sum = 0f;
        for (var d = 0; d < code.Length; d += BoundedBlock)
        {
            var length = Math.Min(BoundedBlock, code.Length - d);
            sum += L1(code.Slice(d, length), scale.Slice(d, length), centred.Slice(d, length), path);
            if (sum > limit)
            {
                break;
            }
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float SquaredL2(ReadOnlySpan<sbyte> code, ReadOnlySpan<float> scale, ReadOnlySpan<float> centred, KernelPath path)
    {
        Check(code, scale, centred);
        var done = 0;
        var sum = 0f;
        if (path == KernelPath.Vector512 && code.Length >= 64)
        {
            (sum, done) = SquaredL2Vector512(code, scale, centred);
        }
        else if (path == KernelPath.Avx2 && Avx2.IsSupported && Fma.IsSupported && code.Length >= 32)
        {
            (sum, done) = SquaredL2Avx2(code, scale, centred);
        }
        else if (path != KernelPath.Scalar && code.Length >= 32)
        {
            (sum, done) = SquaredL2Vector256(code, scale, centred);
        }

        for (var d = done; d < code.Length; d++)
        {
            var t = (scale[d] * code[d]) - centred[d];
            sum += t * t;
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float L1(ReadOnlySpan<sbyte> code, ReadOnlySpan<float> scale, ReadOnlySpan<float> centred, KernelPath path)
    {
        Check(code, scale, centred);
        var done = 0;
        var sum = 0f;
        if (path == KernelPath.Vector512 && code.Length >= 64)
        {
            (sum, done) = L1Vector512(code, scale, centred);
        }
        else if (path == KernelPath.Avx2 && Avx2.IsSupported && Fma.IsSupported && code.Length >= 32)
        {
            (sum, done) = L1Avx2(code, scale, centred);
        }
        else if (path != KernelPath.Scalar && code.Length >= 32)
        {
            (sum, done) = L1Vector256(code, scale, centred);
        }

        for (var d = done; d < code.Length; d++)
        {
            sum += MathF.Abs((scale[d] * code[d]) - centred[d]);
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe (float Sum, int Done) SquaredL2Avx2(ReadOnlySpan<sbyte> code, ReadOnlySpan<float> scale, ReadOnlySpan<float> centred)
    {
        fixed (sbyte* c = code)
        fixed (float* s = scale)
        fixed (float* q = centred)
        {
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            var d = 0;
            for (; d <= code.Length - 32; d += 32)
            {
                var t0 = Difference(c, s, q, d);
                var t1 = Difference(c, s, q, d + 8);
                var t2 = Difference(c, s, q, d + 16);
                var t3 = Difference(c, s, q, d + 24);
                a0 = Fma.MultiplyAdd(t0, t0, a0);
                a1 = Fma.MultiplyAdd(t1, t1, a1);
                a2 = Fma.MultiplyAdd(t2, t2, a2);
                a3 = Fma.MultiplyAdd(t3, t3, a3);
            }

            return (Vector256.Sum((a0 + a1) + (a2 + a3)), d);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe (float Sum, int Done) L1Avx2(ReadOnlySpan<sbyte> code, ReadOnlySpan<float> scale, ReadOnlySpan<float> centred)
    {
        fixed (sbyte* c = code)
        fixed (float* s = scale)
        fixed (float* q = centred)
        {
            var magnitude = Vector256.Create(0x7FFF_FFFF).AsSingle();
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
            var d = 0;
            for (; d <= code.Length - 32; d += 32)
            {
                a0 = Avx.Add(a0, Avx.And(Difference(c, s, q, d), magnitude));
                a1 = Avx.Add(a1, Avx.And(Difference(c, s, q, d + 8), magnitude));
                a2 = Avx.Add(a2, Avx.And(Difference(c, s, q, d + 16), magnitude));
                a3 = Avx.Add(a3, Avx.And(Difference(c, s, q, d + 24), magnitude));
            }

            return (Vector256.Sum((a0 + a1) + (a2 + a3)), d);
        }
    }

    /// <summary>scale · code − query for the 8 dimensions from <paramref name="d"/>: the bytes are widened to floats as they are loaded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe Vector256<float> Difference(sbyte* c, float* s, float* q, int d) =>
        Fma.MultiplySubtract(Avx.LoadVector256(s + d), Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(c + d)), Avx.LoadVector256(q + d));

    private static void Check(ReadOnlySpan<sbyte> code, ReadOnlySpan<float> scale, ReadOnlySpan<float> centred)
    {
        if (scale.Length < code.Length || centred.Length < code.Length)
        {
            throw new ArgumentException("The scale and the query must be as long as the code.");
        }
    }

    // The vector paths take 32 (or 64) dimensions per step: one load of signed bytes widened to four (or four)
    // float vectors, each t = scale · c − q accumulated as t² (or |t|) in its own register.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (float Sum, int Done) SquaredL2Vector256(ReadOnlySpan<sbyte> code, ReadOnlySpan<float> scale, ReadOnlySpan<float> centred)
    {
        ref var c = ref MemoryMarshal.GetReference(code);
        ref var s = ref MemoryMarshal.GetReference(scale);
        ref var q = ref MemoryMarshal.GetReference(centred);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        var d = 0;
        for (; d <= code.Length - 32; d += 32)
        {
            var (t0, t1, t2, t3) = Differences256(ref c, ref s, ref q, d);
            a0 = Vector256.FusedMultiplyAdd(t0, t0, a0);
            a1 = Vector256.FusedMultiplyAdd(t1, t1, a1);
            a2 = Vector256.FusedMultiplyAdd(t2, t2, a2);
            a3 = Vector256.FusedMultiplyAdd(t3, t3, a3);
        }

        return (Vector256.Sum((a0 + a1) + (a2 + a3)), d);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (float Sum, int Done) L1Vector256(ReadOnlySpan<sbyte> code, ReadOnlySpan<float> scale, ReadOnlySpan<float> centred)
    {
        ref var c = ref MemoryMarshal.GetReference(code);
        ref var s = ref MemoryMarshal.GetReference(scale);
        ref var q = ref MemoryMarshal.GetReference(centred);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        var d = 0;
        for (; d <= code.Length - 32; d += 32)
        {
            var (t0, t1, t2, t3) = Differences256(ref c, ref s, ref q, d);
            a0 += Vector256.Abs(t0);
            a1 += Vector256.Abs(t1);
            a2 += Vector256.Abs(t2);
            a3 += Vector256.Abs(t3);
        }

        return (Vector256.Sum((a0 + a1) + (a2 + a3)), d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float>, Vector256<float>, Vector256<float>, Vector256<float>) Differences256(ref sbyte c, ref float s, ref float q, int d)
    {
        var bytes = Vector256.LoadUnsafe(ref c, (nuint)d);
        var (low, high) = Vector256.Widen(bytes);
        var (w0, w1) = Vector256.Widen(low);
        var (w2, w3) = Vector256.Widen(high);
        return (
            Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref s, (nuint)d), Vector256.ConvertToSingle(w0), -Vector256.LoadUnsafe(ref q, (nuint)d)),
            Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref s, (nuint)(d + 8)), Vector256.ConvertToSingle(w1), -Vector256.LoadUnsafe(ref q, (nuint)(d + 8))),
            Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref s, (nuint)(d + 16)), Vector256.ConvertToSingle(w2), -Vector256.LoadUnsafe(ref q, (nuint)(d + 16))),
            Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref s, (nuint)(d + 24)), Vector256.ConvertToSingle(w3), -Vector256.LoadUnsafe(ref q, (nuint)(d + 24))));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (float Sum, int Done) SquaredL2Vector512(ReadOnlySpan<sbyte> code, ReadOnlySpan<float> scale, ReadOnlySpan<float> centred)
    {
        ref var c = ref MemoryMarshal.GetReference(code);
        ref var s = ref MemoryMarshal.GetReference(scale);
        ref var q = ref MemoryMarshal.GetReference(centred);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        var d = 0;
        for (; d <= code.Length - 64; d += 64)
        {
            var (t0, t1, t2, t3) = Differences512(ref c, ref s, ref q, d);
            a0 = Vector512.FusedMultiplyAdd(t0, t0, a0);
            a1 = Vector512.FusedMultiplyAdd(t1, t1, a1);
            a2 = Vector512.FusedMultiplyAdd(t2, t2, a2);
            a3 = Vector512.FusedMultiplyAdd(t3, t3, a3);
        }

        return (Vector512.Sum((a0 + a1) + (a2 + a3)), d);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (float Sum, int Done) L1Vector512(ReadOnlySpan<sbyte> code, ReadOnlySpan<float> scale, ReadOnlySpan<float> centred)
    {
        ref var c = ref MemoryMarshal.GetReference(code);
        ref var s = ref MemoryMarshal.GetReference(scale);
        ref var q = ref MemoryMarshal.GetReference(centred);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        var d = 0;
        for (; d <= code.Length - 64; d += 64)
        {
            var (t0, t1, t2, t3) = Differences512(ref c, ref s, ref q, d);
            a0 += Vector512.Abs(t0);
            a1 += Vector512.Abs(t1);
            a2 += Vector512.Abs(t2);
            a3 += Vector512.Abs(t3);
        }

        return (Vector512.Sum((a0 + a1) + (a2 + a3)), d);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float>, Vector512<float>, Vector512<float>, Vector512<float>) Differences512(ref sbyte c, ref float s, ref float q, int d)
    {
        var bytes = Vector512.LoadUnsafe(ref c, (nuint)d);
        var (low, high) = Vector512.Widen(bytes);
        var (w0, w1) = Vector512.Widen(low);
        var (w2, w3) = Vector512.Widen(high);
        return (
            Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref s, (nuint)d), Vector512.ConvertToSingle(w0), -Vector512.LoadUnsafe(ref q, (nuint)d)),
            Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref s, (nuint)(d + 16)), Vector512.ConvertToSingle(w1), -Vector512.LoadUnsafe(ref q, (nuint)(d + 16))),
            Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref s, (nuint)(d + 32)), Vector512.ConvertToSingle(w2), -Vector512.LoadUnsafe(ref q, (nuint)(d + 32))),
            Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref s, (nuint)(d + 48)), Vector512.ConvertToSingle(w3), -Vector512.LoadUnsafe(ref q, (nuint)(d + 48))));
    }
}
