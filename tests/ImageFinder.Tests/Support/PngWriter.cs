using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace ImageFinder.Tests.Support;

/// <summary>
/// Writes PNG files byte by byte, for what libvips will not write for us: 16-bit samples, and headers that
/// lie about the size (decompression bombs).
/// </summary>
public static class PngWriter
{
    public const int Grey = 0;
    public const int Rgb = 2;
    public const int GreyAlpha = 4;
    public const int Rgba = 6;

    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>A PNG of <paramref name="samples"/> (rows without filter bytes; 16-bit samples big-endian).</summary>
    public static byte[] Encode(int width, int height, int bitDepth, int colourType, ReadOnlySpan<byte> samples)
    {
        var rowBytes = width * Channels(colourType) * (bitDepth / 8);
        if (samples.Length != rowBytes * height)
        {
            throw new ArgumentException($"Expected {rowBytes * height} bytes of samples.", nameof(samples));
        }

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            for (var y = 0; y < height; y++)
            {
                zlib.WriteByte(0); // filter: none
                zlib.Write(samples.Slice(y * rowBytes, rowBytes));
            }
        }

        return Assemble(width, height, bitDepth, colourType, compressed.ToArray());
    }

    /// <summary>A PNG whose every pixel is zero: <paramref name="width"/>×<paramref name="height"/> grey pixels in a few hundred KB (a real decompression bomb).</summary>
    public static byte[] Zeros(int width, int height)
    {
        var row = new byte[width + 1];
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            for (var y = 0; y < height; y++)
            {
                zlib.Write(row);
            }
        }

        return Assemble(width, height, 8, Grey, compressed.ToArray());
    }

    /// <summary>A PNG whose header claims <paramref name="width"/>×<paramref name="height"/> RGB pixels, followed by only a few rows of data.</summary>
    public static byte[] LyingHeader(int width, int height)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(new byte[4 * ((width * 3) + 1)]);
        }

        return Assemble(width, height, 8, Rgb, compressed.ToArray());
    }

    private static byte[] Assemble(int width, int height, int bitDepth, int colourType, byte[] idat)
    {
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = (byte)bitDepth;
        header[9] = (byte)colourType;

        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        WriteChunk(png, "IHDR", header);
        WriteChunk(png, "IDAT", idat);
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    private static int Channels(int colourType) => colourType switch
    {
        Grey => 1,
        Rgb => 3,
        GreyAlpha => 2,
        Rgba => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(colourType)),
    };

    private static void WriteChunk(Stream png, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        png.Write(word);
        var typeBytes = Encoding.ASCII.GetBytes(type);
        png.Write(typeBytes);
        png.Write(data);
        var crc = Crc(Crc(0xFFFFFFFFu, typeBytes), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        png.Write(word);
    }

    private static uint Crc(uint crc, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
