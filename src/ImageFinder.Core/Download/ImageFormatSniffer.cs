using System.Text;

namespace ImageFinder.Download;

/// <summary>Tells the image format, as a file extension, from the first bytes of a file or from a Content-Type.</summary>
public static class ImageFormatSniffer
{
    /// <summary>Bytes of a file's start that <see cref="FromMagic"/> looks at.</summary>
    public const int HeaderLength = 64;

    /// <summary>The extension (".jpg", ".png", ".webp", ".gif", ".tif", ".heic", ".avif") the signature says; null when none matches.</summary>
    public static string? FromMagic(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return ".jpg";
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return ".png";
        }

        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8))
        {
            return ".gif";
        }

        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8))
        {
            return ".webp";
        }

        if (head.StartsWith("II*\0"u8) || head.StartsWith("MM\0*"u8))
        {
            return ".tif";
        }

        if (head.Length >= 12 && head[4..8].SequenceEqual("ftyp"u8))
        {
            return FromFileTypeBox(head);
        }

        return null;
    }

    /// <summary>The extension an image Content-Type names (image/jpeg, image/png, ...); null for anything else.</summary>
    public static string? FromContentType(string? mediaType) => mediaType?.Trim().ToLowerInvariant() switch
    {
        "image/jpeg" or "image/jpg" or "image/pjpeg" => ".jpg",
        "image/png" => ".png",
        "image/webp" => ".webp",
        "image/gif" => ".gif",
        "image/tiff" => ".tif",
        "image/heic" or "image/heif" => ".heic",
        "image/avif" => ".avif",
        _ => null,
    };

    /// <summary>The Content-Type of an extension <see cref="FromMagic"/> returns; <c>application/octet-stream</c> for null or any other.</summary>
    public static string ToContentType(string? extension) => extension switch
    {
        ".jpg" => "image/jpeg",
        ".png" => "image/png",
        ".gif" => "image/gif",
        ".webp" => "image/webp",
        ".tif" => "image/tiff",
        ".heic" => "image/heic",
        ".avif" => "image/avif",
        _ => "application/octet-stream",
    };

    /// <summary>ISO base media files: the major brand, else a compatible brand, says AVIF or HEIF.</summary>
    private static string? FromFileTypeBox(ReadOnlySpan<byte> head)
    {
        var boxLength = Math.Min(head.Length, (int)Math.Min(int.MaxValue, ((uint)head[0] << 24) | ((uint)head[1] << 16) | ((uint)head[2] << 8) | head[3]));
        string? found = null;
        for (var offset = 8; offset + 4 <= boxLength; offset += offset == 8 ? 8 : 4)
        {
            // Offset 8 is the major brand, 12 the minor version (skipped), 16 on the compatible brands.
            var brand = Encoding.ASCII.GetString(head.Slice(offset, 4));
            if (brand is "avif" or "avis")
            {
                return ".avif";
            }

            if (brand is "heic" or "heix" or "heim" or "heis" or "hevc" or "hevx" or "mif1" or "msf1")
            {
                found = ".heic";
            }
        }

        return found;
    }
}
