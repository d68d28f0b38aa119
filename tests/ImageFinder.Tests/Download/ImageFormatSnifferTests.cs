using ImageFinder.Download;
using ImageFinder.Imaging;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Download;

public sealed class ImageFormatSnifferTests
{
    [Theory]
    [InlineData(EncodedFormat.Png, ".png")]
    [InlineData(EncodedFormat.Jpeg, ".jpg")]
    [InlineData(EncodedFormat.WebP, ".webp")]
    [InlineData(EncodedFormat.Gif, ".gif")]
    [InlineData(EncodedFormat.Tiff, ".tif")]
    public void The_signature_names_the_format(EncodedFormat format, string extension) =>
        Assert.Equal(extension, ImageFormatSniffer.FromMagic(TestImages.Pattern(1, 32, 32, format)));

    [Fact]
    public void Iso_media_brands_tell_avif_from_heic()
    {
        byte[] avif = [0, 0, 0, 28, .. "ftypavif"u8, 0, 0, 0, 0, .. "avifmif1miaf"u8];
        byte[] heic = [0, 0, 0, 24, .. "ftypheic"u8, 0, 0, 0, 0, .. "mif1heic"u8];
        byte[] avifByCompatibleBrand = [0, 0, 0, 24, .. "ftypmif1"u8, 0, 0, 0, 0, .. "mif1avif"u8];
        byte[] video = [0, 0, 0, 20, .. "ftypisom"u8, 0, 0, 0, 0, .. "isom"u8];

        Assert.Equal(".avif", ImageFormatSniffer.FromMagic(avif));
        Assert.Equal(".heic", ImageFormatSniffer.FromMagic(heic));
        Assert.Equal(".avif", ImageFormatSniffer.FromMagic(avifByCompatibleBrand));
        Assert.Null(ImageFormatSniffer.FromMagic(video));
    }

    [Fact]
    public void Text_is_not_an_image()
    {
        Assert.Null(ImageFormatSniffer.FromMagic("<!doctype html><html></html>"u8));
        Assert.Null(ImageFormatSniffer.FromMagic([]));
        Assert.Null(ImageFormatSniffer.FromContentType("text/html"));
        Assert.Null(ImageFormatSniffer.FromContentType("image/svg+xml"));
        Assert.Equal(".jpg", ImageFormatSniffer.FromContentType("IMAGE/JPEG"));
    }
}
