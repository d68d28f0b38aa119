using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ImageFinder.Imaging;

/// <summary>
/// The last step of preprocessing, in one pass over decoded 8-bit sRGB pixels: resize so the shorter side is
/// <see cref="PreprocessingSpec.ResizeShorterSide"/>, cut out the centred <see cref="PreprocessingSpec.CropSize"/>²,
/// flatten alpha onto white, normalise, and write the CHW tensor. Only the crop is ever computed.
/// <para>
/// The filter is antialiased bilinear: a triangle whose support widens with the reduction factor, the filter
/// PIL's <c>Image.resize(BILINEAR)</c> applies and therefore what torchvision's <c>Resize</c> does to a PIL
/// image. It is separable: rows first (one vectorised multiply-add per source row and tap over the crop's
/// columns), then columns. Values stay in float between the passes; nothing is rounded to 8 bits.
/// </para>
/// </summary>
internal static class Resampler
{
    /// <summary>The width and height after resizing so the shorter side is <paramref name="shorterSide"/>.</summary>
    public static (int Width, int Height) ResizedSize(int width, int height, int shorterSide)
    {
        if (width <= height)
        {
            return (shorterSide, Math.Max(shorterSide, (int)Math.Round((double)height * shorterSide / width)));
        }

        return (Math.Max(shorterSide, (int)Math.Round((double)width * shorterSide / height)), shorterSide);
    }

    /// <summary>
    /// Resizes, crops and normalises <paramref name="pixels"/> (<paramref name="width"/>×<paramref name="height"/>,
    /// <paramref name="bands"/> = 3 for RGB or 4 for RGBA, rows packed) into <paramref name="destination"/>.
    /// </summary>
    public static void ResizeCropNormalise(
        ReadOnlySpan<byte> pixels, int width, int height, int bands, PreprocessingSpec spec, Span<float> destination)
    {
        if (bands == 4)
        {
            var flattened = ArrayPool<byte>.Shared.Rent(width * height * 3);
            try
            {
                FlattenOntoWhite(pixels, flattened);
                ResizeCropNormaliseRgb(flattened.AsSpan(0, width * height * 3), width, height, spec, destination);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(flattened);
            }

            return;
        }

        ResizeCropNormaliseRgb(pixels, width, height, spec, destination);
    }

    private static void ResizeCropNormaliseRgb(ReadOnlySpan<byte> pixels, int width, int height, PreprocessingSpec spec, Span<float> destination)
    {
        var crop = spec.CropSize;
        if (destination.Length < 3 * crop * crop || pixels.Length < width * height * 3)
        {
            throw new ArgumentException("The pixels or the destination are smaller than their sizes say.");
        }

        var (resizedWidth, resizedHeight) = ResizedSize(width, height, spec.ResizeShorterSide);
        var columns = AxisFilter.Create(width, resizedWidth, (resizedWidth - crop) / 2, crop);
        var rows = AxisFilter.Create(height, resizedHeight, (resizedHeight - crop) / 2, crop);

        // Only the source columns the crop reads.
        var lineStart = columns.SourceStart * 3;
        var lineLength = (columns.SourceEnd - columns.SourceStart) * 3;
        var padding = columns.MaxTaps * 3;
        var line = ArrayPool<float>.Shared.Rent(lineLength + padding);
        try
        {
            line.AsSpan(lineLength, padding).Clear();
            // ((v / 255) − mean) / std as one multiply-add per channel.
            float scaleR = 1f / (255f * spec.Std[0]), offsetR = -spec.Mean[0] / spec.Std[0];
            float scaleG = 1f / (255f * spec.Std[1]), offsetG = -spec.Mean[1] / spec.Std[1];
            float scaleB = 1f / (255f * spec.Std[2]), offsetB = -spec.Mean[2] / spec.Std[2];

            var plane = crop * crop;
            var lineSpan = line.AsSpan(0, lineLength);
            for (var outY = 0; outY < crop; outY++)
            {
                // Vertical pass, straight from the 8-bit rows: this output row as a weighted sum of source rows.
                var first = rows.First[outY];
                var weights = rows.WeightsOf(outY);
                lineSpan.Clear();
                for (var t = 0; t < weights.Length; t++)
                {
                    AddWeighted(pixels.Slice(((first + t) * width * 3) + lineStart, lineLength), weights[t], lineSpan);
                }

                // Horizontal pass: each output pixel as a weighted sum of the line's pixels, then normalised.
                // Unchecked indexing: AxisFilter keeps every tap within the line's columns, and the destination
                // length was checked above.
                ref var red = ref Unsafe.Add(ref MemoryMarshal.GetReference(destination), outY * crop);
                ref var green = ref Unsafe.Add(ref red, plane);
                ref var blue = ref Unsafe.Add(ref green, plane);
                ref var lineRef = ref MemoryMarshal.GetReference(lineSpan);
                for (var outX = 0; outX < crop; outX += 2)
                {
                    // Two output pixels at a time: six independent sums keep the multiply-adds from waiting on
                    // each other. Weights past a pixel's own count are zero, and the line has zeroed padding
                    // behind its end, so the longer of the two counts serves both.
                    var second = Math.Min(outX + 1, crop - 1);
                    ref var pixel0 = ref Unsafe.Add(ref lineRef, columns.LineOffset(outX));
                    ref var pixel1 = ref Unsafe.Add(ref lineRef, columns.LineOffset(second));
                    ref var weight0 = ref columns.FirstWeight(outX);
                    ref var weight1 = ref columns.FirstWeight(second);
                    var count = Math.Max(columns.Count[outX], columns.Count[second]);
                    float r0 = 0, g0 = 0, b0 = 0, r1 = 0, g1 = 0, b1 = 0;
                    for (var t = 0; t < count; t++)
                    {
                        var w0 = Unsafe.Add(ref weight0, t);
                        var w1 = Unsafe.Add(ref weight1, t);
                        r0 += w0 * pixel0;
                        g0 += w0 * Unsafe.Add(ref pixel0, 1);
                        b0 += w0 * Unsafe.Add(ref pixel0, 2);
                        r1 += w1 * pixel1;
                        g1 += w1 * Unsafe.Add(ref pixel1, 1);
                        b1 += w1 * Unsafe.Add(ref pixel1, 2);
                        pixel0 = ref Unsafe.Add(ref pixel0, 3);
                        pixel1 = ref Unsafe.Add(ref pixel1, 3);
                    }

                    Unsafe.Add(ref red, outX) = (r0 * scaleR) + offsetR;
                    Unsafe.Add(ref green, outX) = (g0 * scaleG) + offsetG;
                    Unsafe.Add(ref blue, outX) = (b0 * scaleB) + offsetB;
                    Unsafe.Add(ref red, second) = (r1 * scaleR) + offsetR;
                    Unsafe.Add(ref green, second) = (g1 * scaleG) + offsetG;
                    Unsafe.Add(ref blue, second) = (b1 * scaleB) + offsetB;
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(line);
        }
    }

    /// <summary><paramref name="sum"/> += <paramref name="weight"/> · <paramref name="source"/>, widening the bytes to floats 32 at a time.</summary>
    private static void AddWeighted(ReadOnlySpan<byte> source, float weight, Span<float> sum)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var w = Vector256.Create(weight);
            ref var from = ref MemoryMarshal.GetReference(source);
            ref var to = ref MemoryMarshal.GetReference(sum);
            for (; i <= source.Length - Vector256<byte>.Count; i += Vector256<byte>.Count)
            {
                var (low, high) = Vector256.Widen(Vector256.LoadUnsafe(ref from, (nuint)i));
                var (a, b) = Vector256.Widen(low);
                var (c, d) = Vector256.Widen(high);
                Accumulate(ref to, i, a, w);
                Accumulate(ref to, i + 8, b, w);
                Accumulate(ref to, i + 16, c, w);
                Accumulate(ref to, i + 24, d, w);
            }
        }

        for (; i < source.Length; i++)
        {
            sum[i] += weight * source[i];
        }
    }

    private static void Accumulate(ref float sum, int offset, Vector256<uint> values, Vector256<float> weight)
    {
        var at = Vector256.LoadUnsafe(ref sum, (nuint)offset);
        Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(values), weight, at).StoreUnsafe(ref sum, (nuint)offset);
    }

    /// <summary>
    /// RGBA to RGB composited onto white: c' = (c·a + 255·(255 − a)) / 255, rounded. Flattening before
    /// resampling equals resampling premultiplied colour and alpha and flattening after, as it is linear in (c·a, a).
    /// </summary>
    private static void FlattenOntoWhite(ReadOnlySpan<byte> rgba, Span<byte> rgb)
    {
        for (int i = 0, o = 0; i < rgba.Length; i += 4, o += 3)
        {
            int a = rgba[i + 3], white = 255 * (255 - a);
            rgb[o] = (byte)(((rgba[i] * a) + white + 127) / 255);
            rgb[o + 1] = (byte)(((rgba[i + 1] * a) + white + 127) / 255);
            rgb[o + 2] = (byte)(((rgba[i + 2] * a) + white + 127) / 255);
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
        public static AxisFilter Create(int inSize, int outSize, int outStart, int outCount)
        {
            var scale = (double)inSize / outSize;
            var widen = Math.Max(scale, 1.0);
            var support = widen; // the triangle reaches one (widened) sample either side
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
                    var distance = Math.Abs((from + t - centre + 0.5) / widen);
                    raw[t] = distance < 1 ? 1 - distance : 0;
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
    }
}
