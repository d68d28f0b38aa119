using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ImageFinder.Index;

/// <summary>
/// Hamming distances from one binary code to many, the whole cost of a quantized query's coarse pass.
/// With AVX-512BW (or AVX2) the bit counts use the nibble-lookup method (<c>vpshufb</c>) and one
/// <c>vpsadbw</c> per code; otherwise <c>popcnt</c> per 64-bit word. Fully optimised from the first call.
/// </summary>
internal static class HammingScan
{
    private static readonly Vector512<byte> NibbleCounts512 = Vector512.Create(NibbleTable(64));
    private static readonly Vector256<byte> NibbleCounts256 = Vector256.Create(NibbleTable(32));

    /// <summary>
    /// Writes the distance from <paramref name="query"/> to each code (codes are <c>query.Length</c> words each,
    /// back to back) into <paramref name="distances"/>, and counts each distance into <paramref name="histogram"/>.
    /// Codes of <c>bits</c> bits fill <c>ceil(bits / 64)</c> words whose bits past <c>bits</c> are zero in the query
    /// and in every code, so no distance exceeds <c>bits</c> and the histogram needs <c>bits + 1</c> entries
    /// (a 1000-d code is 16 words and needs 1001 entries, not 1025).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scan(ReadOnlySpan<ulong> query, ReadOnlySpan<ulong> codes, Span<int> distances, Span<int> histogram)
    {
        var words = query.Length;
        // The histogram must hold the distances of codes that use the last word: more than (words - 1) * 64 bits.
        // A code with padding bits set would give a distance past it, which the span's bounds check refuses.
        if (words == 0 || codes.Length < distances.Length * words || histogram.Length <= ((words - 1) * 64) + 1)
        {
            throw new ArgumentException("Codes, distances and histogram do not fit the query.");
        }

        // Each byte accumulates at most 8 per vector, so up to 31 vectors per code fit in a byte.
        if (Avx512BW.IsSupported && words % 8 == 0 && words / 8 <= 31)
        {
            Scan512(query, codes, distances, histogram);
        }
        else if (Avx2.IsSupported && words % 4 == 0 && words / 4 <= 31)
        {
            Scan256(query, codes, distances, histogram);
        }
        else
        {
            ScanScalar(query, codes, distances, histogram);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ScanScalar(ReadOnlySpan<ulong> query, ReadOnlySpan<ulong> codes, Span<int> distances, Span<int> histogram)
    {
        var words = query.Length;
        for (var i = 0; i < distances.Length; i++)
        {
            var code = codes.Slice(i * words, words);
            var distance = 0;
            for (var w = 0; w < words; w++)
            {
                distance += BitOperations.PopCount(query[w] ^ code[w]);
            }

            distances[i] = distance;
            histogram[distance]++;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scan512(ReadOnlySpan<ulong> query, ReadOnlySpan<ulong> codes, Span<int> distances, Span<int> histogram)
    {
        var vectors = query.Length / 8;
        ref var queryStart = ref MemoryMarshal.GetReference(query);
        ref var codesStart = ref MemoryMarshal.GetReference(codes);
        var lowNibble = Vector512.Create((byte)0x0F);
        var table = NibbleCounts512;
        nuint offset = 0;
        for (var i = 0; i < distances.Length; i++)
        {
            var counts = Vector512<byte>.Zero;
            for (nuint v = 0; v < (nuint)vectors; v++)
            {
                var bits = (Vector512.LoadUnsafe(ref codesStart, offset) ^ Vector512.LoadUnsafe(ref queryStart, v * 8)).AsByte();
                counts += Avx512BW.Shuffle(table, bits & lowNibble);
                counts += Avx512BW.Shuffle(table, Vector512.ShiftRightLogical(bits.AsUInt16(), 4).AsByte() & lowNibble);
                offset += 8;
            }

            var distance = (int)Vector512.Sum(Avx512BW.SumAbsoluteDifferences(counts, Vector512<byte>.Zero).AsUInt64());
            distances[i] = distance;
            histogram[distance]++;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scan256(ReadOnlySpan<ulong> query, ReadOnlySpan<ulong> codes, Span<int> distances, Span<int> histogram)
    {
        var vectors = query.Length / 4;
        ref var queryStart = ref MemoryMarshal.GetReference(query);
        ref var codesStart = ref MemoryMarshal.GetReference(codes);
        var lowNibble = Vector256.Create((byte)0x0F);
        var table = NibbleCounts256;
        nuint offset = 0;
        for (var i = 0; i < distances.Length; i++)
        {
            var counts = Vector256<byte>.Zero;
            for (nuint v = 0; v < (nuint)vectors; v++)
            {
                var bits = (Vector256.LoadUnsafe(ref codesStart, offset) ^ Vector256.LoadUnsafe(ref queryStart, v * 4)).AsByte();
                counts += Avx2.Shuffle(table, bits & lowNibble);
                counts += Avx2.Shuffle(table, Vector256.ShiftRightLogical(bits.AsUInt16(), 4).AsByte() & lowNibble);
                offset += 4;
            }

            var distance = (int)Vector256.Sum(Avx2.SumAbsoluteDifferences(counts, Vector256<byte>.Zero).AsUInt64());
            distances[i] = distance;
            histogram[distance]++;
        }
    }

    /// <summary>Bits set in each nibble value 0..15, repeated for every 128-bit lane (<c>vpshufb</c> looks up per lane).</summary>
    private static byte[] NibbleTable(int length)
    {
        var table = new byte[length];
        for (var i = 0; i < length; i++)
        {
            table[i] = (byte)BitOperations.PopCount((uint)(i & 15));
        }

        return table;
    }
}
