using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ImageFinder.Imaging;

/// <summary>
/// The last step of preprocessing, in one pass over decoded 8-bit sRGB pixels: resize so the shorter side is
/// <see cref="PreprocessingSpec.ResizeShorterSide"/>, cut out the centred <see cref="PreprocessingSpec.CropSize"/>²,
/// normalise, and write the CHW tensor. Only the crop is ever computed.
/// <para>
/// The filter is the spec's <see cref="ResizeFilter"/>, antialiased as PIL does it: bilinear is a triangle whose
/// support widens with the reduction factor, the filter PIL's <c>Image.resize(BILINEAR)</c> applies and
/// therefore what torchvision's <c>Resize</c> does to a PIL image; bicubic is PIL's <c>BICUBIC</c> (Keys, a = −0.5)
/// widened the same way. It is separable: rows first (one vectorised multiply-add per source row and tap over the crop's
/// columns), then columns. Values stay in float between the passes; nothing is rounded to 8 bits.
/// </para>
/// </summary>
internal static class Resampler
{
    /// <summary>
    /// The width and height after resizing so the shorter side is <paramref name="shorterSide"/>; the longer side
    /// is truncated, not rounded, as torchvision's <c>Resize(int)</c> computes it.
    /// </summary>
    public static (int Width, int Height) ResizedSize(int width, int height, int shorterSide)
    {
        if (width <= height)
        {
            return (shorterSide, Math.Max(shorterSide, (int)((long)height * shorterSide / width)));
        }

        return (Math.Max(shorterSide, (int)((long)width * shorterSide / height)), shorterSide);
    }

    /// <summary>
    /// Where a centred crop of <paramref name="crop"/> starts in <paramref name="size"/> samples: half the margin,
    /// rounded half to even, as torchvision's <c>CenterCrop</c> computes it with Python's <c>round</c>.
    /// </summary>
    public static int CropOffset(int size, int crop) => (int)Math.Round((size - crop) / 2.0, MidpointRounding.ToEven);

    /// <summary>
    /// Resizes, crops and normalises <paramref name="pixels"/> (<paramref name="width"/>×<paramref name="height"/>
    /// RGB, rows packed) into <paramref name="destination"/>.
    /// </summary>
    public static void ResizeCropNormalise(ReadOnlySpan<byte> pixels, int width, int height, PreprocessingSpec spec, Span<float> destination)
    {
        var crop = spec.CropSize;
        if (destination.Length < 3 * crop * crop || pixels.Length < width * height * 3)
        {
            throw new ArgumentException("The pixels or the destination are smaller than their sizes say.");
        }

        var (resizedWidth, resizedHeight) = ResizedSize(width, height, spec.ResizeShorterSide);
        var columns = AxisFilter.Create(width, resizedWidth, CropOffset(resizedWidth, crop), crop, spec.Filter);
        var rows = AxisFilter.Create(height, resizedHeight, CropOffset(resizedHeight, crop), crop, spec.Filter);

        // Only the source columns the crop reads.
        var lineStart = columns.SourceStart * 3;
        var lineLength = (columns.SourceEnd - columns.SourceStart) * 3;
        var padding = columns.MaxTaps * 3;
        var line = ArrayPool<float>.Shared.Rent(lineLength + padding);
        try
        {
            line.AsSpan(lineLength, padding).Clear();
            // ((v / 255) − mean) / std as one multiply-add per channel (the fourth lane is unused).
            var scale = Vector128.Create(1f / (255f * spec.Std[0]), 1f / (255f * spec.Std[1]), 1f / (255f * spec.Std[2]), 0f);
            var offset = Vector128.Create(-spec.Mean[0] / spec.Std[0], -spec.Mean[1] / spec.Std[1], -spec.Mean[2] / spec.Std[2], 0f);
            var rowStride = width * 3;

            var plane = crop * crop;
            var lineSpan = line.AsSpan(0, lineLength);
            for (var outY = 0; outY < crop; outY++)
            {
                // Vertical pass, straight from the 8-bit rows: this output row as a weighted sum of source rows.
                var weights = rows.WeightsOf(outY);
                WeightedSumOfRows(pixels, (rows.First[outY] * rowStride) + lineStart, rowStride, weights, lineSpan);

                // Horizontal pass: each output pixel as a weighted sum of the line's pixels, then normalised.
                ref var red = ref Unsafe.Add(ref MemoryMarshal.GetReference(destination), outY * crop);
                ref var green = ref Unsafe.Add(ref red, plane);
                ref var blue = ref Unsafe.Add(ref green, plane);
                ref var lineRef = ref MemoryMarshal.GetReference(lineSpan);
                for (var outX = 0; outX < crop; outX += 4)
                {
                    // Four output pixels at a time, each an (R, G, B, next R) vector: four independent sums keep
                    // the multiply-adds from waiting on each other. Weights past a pixel's own count are zero and
                    // the line has zeroed padding behind its end, so the longest count of the four serves all,
                    // and the fourth lane may read one float past a pixel. Unchecked indexing: AxisFilter keeps
                    // every tap within the line, and the destination length was checked above.
                    int x1 = Math.Min(outX + 1, crop - 1), x2 = Math.Min(outX + 2, crop - 1), x3 = Math.Min(outX + 3, crop - 1);
                    ref var p0 = ref Unsafe.Add(ref lineRef, columns.LineOffset(outX));
                    ref var p1 = ref Unsafe.Add(ref lineRef, columns.LineOffset(x1));
                    ref var p2 = ref Unsafe.Add(ref lineRef, columns.LineOffset(x2));
                    ref var p3 = ref Unsafe.Add(ref lineRef, columns.LineOffset(x3));
                    ref var w0 = ref columns.FirstWeight(outX);
                    ref var w1 = ref columns.FirstWeight(x1);
                    ref var w2 = ref columns.FirstWeight(x2);
                    ref var w3 = ref columns.FirstWeight(x3);
                    var count = Math.Max(Math.Max(columns.Count[outX], columns.Count[x1]), Math.Max(columns.Count[x2], columns.Count[x3]));
                    Vector128<float> a0 = default, a1 = default, a2 = default, a3 = default;
                    for (var t = 0; t < count; t++)
                    {
                        var at = (nuint)(t * 3);
                        a0 = Vector128.FusedMultiplyAdd(Vector128.LoadUnsafe(ref p0, at), Vector128.Create(Unsafe.Add(ref w0, t)), a0);
                        a1 = Vector128.FusedMultiplyAdd(Vector128.LoadUnsafe(ref p1, at), Vector128.Create(Unsafe.Add(ref w1, t)), a1);
                        a2 = Vector128.FusedMultiplyAdd(Vector128.LoadUnsafe(ref p2, at), Vector128.Create(Unsafe.Add(ref w2, t)), a2);
                        a3 = Vector128.FusedMultiplyAdd(Vector128.LoadUnsafe(ref p3, at), Vector128.Create(Unsafe.Add(ref w3, t)), a3);
                    }

                    Store(Vector128.FusedMultiplyAdd(a0, scale, offset), ref red, ref green, ref blue, outX);
                    Store(Vector128.FusedMultiplyAdd(a1, scale, offset), ref red, ref green, ref blue, x1);
                    Store(Vector128.FusedMultiplyAdd(a2, scale, offset), ref red, ref green, ref blue, x2);
                    Store(Vector128.FusedMultiplyAdd(a3, scale, offset), ref red, ref green, ref blue, x3);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(line);
        }
    }

    private static void Store(Vector128<float> rgb, ref float red, ref float green, ref float blue, int x)
    {
        Unsafe.Add(ref red, x) = rgb.GetElement(0);
        Unsafe.Add(ref green, x) = rgb.GetElement(1);
        Unsafe.Add(ref blue, x) = rgb.GetElement(2);
    }

    /// <summary>
    /// <paramref name="line"/> = Σ weights[t] · the bytes at <paramref name="start"/> + t · <paramref name="stride"/>,
    /// widening the bytes to floats 32 at a time and keeping the sums in registers across the taps. The caller
    /// guarantees every row read lies inside <paramref name="pixels"/> (checked once, before the passes).
    /// </summary>
    private static void WeightedSumOfRows(ReadOnlySpan<byte> pixels, int start, int stride, ReadOnlySpan<float> weights, Span<float> line)
    {
        ref var source = ref Unsafe.Add(ref MemoryMarshal.GetReference(pixels), start);
        ref var sum = ref MemoryMarshal.GetReference(line);
        var length = line.Length;
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= length - Vector256<byte>.Count; i += Vector256<byte>.Count)
            {
                Vector256<float> a = default, b = default, c = default, d = default;
                for (var t = 0; t < weights.Length; t++)
                {
                    var w = Vector256.Create(weights[t]);
                    var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref source, (nuint)((t * stride) + i)));
                    var (q0, q1) = Vector256.Widen(low);
                    var (q2, q3) = Vector256.Widen(high);
                    a = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(q0), w, a);
                    b = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(q1), w, b);
                    c = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(q2), w, c);
                    d = Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(q3), w, d);
                }

                a.StoreUnsafe(ref sum, (nuint)i);
                b.StoreUnsafe(ref sum, (nuint)(i + 8));
                c.StoreUnsafe(ref sum, (nuint)(i + 16));
                d.StoreUnsafe(ref sum, (nuint)(i + 24));
            }
        }

        for (; i < length; i++)
        {
            var total = 0f;
            for (var t = 0; t < weights.Length; t++)
            {
                total += weights[t] * Unsafe.Add(ref source, (t * stride) + i);
            }

            Unsafe.Add(ref sum, i) = total;
        }
    }

    /// <summary>Which source samples, with which weights, make each output sample along one axis.</summary>
    private sealed class AxisFilter
    {
        private readonly float[] weights;
        private readonly int stride;

        private AxisFilter(int[] first, int[] count, float[] weights, int stride, int sourceStart, int sourceEnd)
        {
            First = first;
            Count = count;
            this.weights = weights;
            this.stride = stride;
            SourceStart = sourceStart;
            SourceEnd = sourceEnd;
        }

        public int[] First { get; }

        public int[] Count { get; }

        /// <summary>The first source sample any output reads.</summary>
        public int SourceStart { get; }

        /// <summary>One past the last source sample any output reads.</summary>
        public int SourceEnd { get; }

        public ReadOnlySpan<float> WeightsOf(int output) => weights.AsSpan(output * stride, Count[output]);

        /// <summary>Where <paramref name="output"/>'s first tap is in an RGB line that starts at <see cref="SourceStart"/>.</summary>
        public int LineOffset(int output) => (First[output] - SourceStart) * 3;

        /// <summary>The first of <paramref name="output"/>'s weights; the others follow it.</summary>
        public ref float FirstWeight(int output) => ref weights[output * stride];

        /// <summary>The most taps any output may have; weights past an output's own count are zero.</summary>
        public int MaxTaps => stride;

        /// <summary>
        /// The filter taking <paramref name="inSize"/> samples to <paramref name="outSize"/>, for the outputs
        /// <paramref name="outStart"/> … <paramref name="outStart"/> + <paramref name="outCount"/> − 1 only.
        /// </summary>
        public static AxisFilter Create(int inSize, int outSize, int outStart, int outCount, ResizeFilter filter)
        {
            var scale = (double)inSize / outSize;
            var widen = Math.Max(scale, 1.0);
            var support = widen * KernelSupport(filter); // how many (widened) samples the kernel reaches either side
            var stride = (int)Math.Ceiling(support) * 2 + 1;
            var first = new int[outCount];
            var count = new int[outCount];
            var weights = new float[outCount * stride];
            var raw = new double[stride];
            int sourceStart = int.MaxValue, sourceEnd = 0;

            for (var i = 0; i < outCount; i++)
            {
                var centre = (outStart + i + 0.5) * scale;
                var from = Math.Max((int)(centre - support + 0.5), 0);
                var to = Math.Min((int)(centre + support + 0.5), inSize);
                var n = Math.Max(to - from, 1);
                if (from >= inSize)
                {
                    from = inSize - 1;
                }

                var total = 0.0;
                for (var t = 0; t < n; t++)
                {
                    raw[t] = Kernel(filter, (from + t - centre + 0.5) / widen);
                    total += raw[t];
                }

                for (var t = 0; t < n; t++)
                {
                    weights[(i * stride) + t] = total > 0 ? (float)(raw[t] / total) : 1f / n;
                }

                first[i] = from;
                count[i] = n;
                sourceStart = Math.Min(sourceStart, from);
                sourceEnd = Math.Max(sourceEnd, from + n);
            }

            return new AxisFilter(first, count, weights, stride, sourceStart, sourceEnd);
        }

        /// <summary>Half the width of the filter's kernel, in (widened) samples.</summary>
        public static double KernelSupport(ResizeFilter filter) => filter == ResizeFilter.Bicubic ? 2.0 : 1.0;

        /// <summary>The filter's kernel at <paramref name="x"/> samples from the centre (PIL's definitions).</summary>
        public static double Kernel(ResizeFilter filter, double x)
        {
            x = Math.Abs(x);
            if (filter == ResizeFilter.Bilinear)
            {
                return x < 1 ? 1 - x : 0;
            }

            const double a = -0.5;
            if (x < 1)
            {
                return ((((a + 2) * x) - (a + 3)) * x * x) + 1;
            }

            return x < 2 ? ((((x - 5) * x) + 8) * x - 4) * a : 0;
        }
    }
}
