using System.Buffers.Binary;

namespace ImageFinder.Tests.Support;

/// <summary>Vectors as Redis' V* commands take them after <c>FP32</c>: little-endian float32, 4 bytes a dimension.</summary>
public static class Fp32
{
    public static byte[] Blob(float[] vector)
    {
        var blob = new byte[vector.Length * sizeof(float)];
        for (var i = 0; i < vector.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(blob.AsSpan(i * sizeof(float)), vector[i]);
        }

        return blob;
    }
}
