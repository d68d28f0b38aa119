using ImageFinder.Imaging;

namespace ImageFinder.Tests.Support;

/// <summary>
/// 13 images: six distinct patterns; "a.png" with a byte-identical copy, a JPEG re-encode at quality 60 and a half-size
/// JPEG; "b.png" with a JPEG re-encode and a smaller WebP.
/// </summary>
public static class DuplicateSet
{
    public const int Count = 13;

    public static void Write(string folder)
    {
        Directory.CreateDirectory(folder);
        for (var p = 0; p < 6; p++)
        {
            File.WriteAllBytes(Path.Combine(folder, $"other-{p}.png"), TestImages.Pattern(10 + p, 640, 480));
        }

        File.WriteAllBytes(Path.Combine(folder, "a.png"), TestImages.Pattern(3, 640, 480));
        File.Copy(Path.Combine(folder, "a.png"), Path.Combine(folder, "a-copy.png"));
        File.WriteAllBytes(Path.Combine(folder, "a-q60.jpg"), TestImages.Pattern(3, 640, 480, EncodedFormat.Jpeg, quality: 60));
        File.WriteAllBytes(Path.Combine(folder, "a-small.jpg"), TestImages.Pattern(3, 320, 240, EncodedFormat.Jpeg));
        File.WriteAllBytes(Path.Combine(folder, "b.png"), TestImages.Pattern(4, 640, 480));
        File.WriteAllBytes(Path.Combine(folder, "b-q60.jpg"), TestImages.Pattern(4, 640, 480, EncodedFormat.Jpeg, quality: 60));
        File.WriteAllBytes(Path.Combine(folder, "b-small.webp"), TestImages.Pattern(4, 400, 300, EncodedFormat.WebP));
    }
}
