using System.Numerics.Tensors;
using ImageFinder.Imaging;
using ImageFinder.Inference;
using ImageFinder.Tests.Support;
using Xunit.Abstractions;

namespace ImageFinder.Tests.Reliability;

/// <summary>
/// Valid but unusual encodings are embedded as the picture they show: each is compared with the plain 8-bit
/// sRGB version of the same picture, against the distance between two different pictures.
/// </summary>
public sealed class UnusualImageEmbeddingTests(ITestOutputHelper log) : IDisposable
{
    private const int Width = 240;
    private const int Height = 180;

    private readonly OnnxImageEmbedder embedder = OnnxImageEmbedder.Load(TestModel.Options());
    private readonly byte[] picture = TestImages.PatternPixels(12, Width, Height);
    private readonly byte[] otherPicture = TestImages.PatternPixels(13, Width, Height);

    public void Dispose() => embedder.Dispose();

    [Fact]
    public async Task A_cmyk_jpeg_embeds_close_to_the_srgb_jpeg_of_the_same_picture()
    {
        // Colours a press can print, so the round trip through CMYK ink changes them little (saturated sRGB
        // colours outside the CMYK gamut are clipped by any colour management; that is not the decoder's doing).
        var muted = UnusualImages.Muted(picture);
        var plain = await Embed(Encode(muted, EncodedFormat.Jpeg));
        var cmyk = await Embed(UnusualImages.CmykJpeg(muted, Width, Height));

        AssertClose("CMYK JPEG", cmyk, plain, await Embed(Encode(UnusualImages.Muted(otherPicture), EncodedFormat.Jpeg)), maxShare: 0.1f);
    }

    [Fact]
    public async Task A_16_bit_png_embeds_like_the_8_bit_png_of_the_same_picture()
    {
        var plain = await Embed(Encode(picture, EncodedFormat.Png));
        var deep = await Embed(UnusualImages.Png16(picture, Width, Height));

        AssertClose("16-bit PNG", deep, plain, await Embed(Encode(otherPicture, EncodedFormat.Png)), maxShare: 0.01f);
    }

    [Fact]
    public async Task Grey_with_alpha_embeds_like_the_same_grey_flattened_onto_white()
    {
        var (greyAlpha, flattened) = UnusualImages.GreyAlphaPng(UnusualImages.Luminance(picture), Width, Height);
        var (_, otherFlattened) = UnusualImages.GreyAlphaPng(UnusualImages.Luminance(otherPicture), Width, Height);

        AssertClose("grey + alpha PNG", await Embed(greyAlpha), await Embed(flattened), await Embed(otherFlattened), maxShare: 0.05f);
    }

    [Fact]
    public async Task An_animated_gif_embeds_its_first_frame()
    {
        var animated = await Embed(UnusualImages.AnimatedGif([picture, otherPicture], Width, Height));
        var first = await Embed(Encode(picture, EncodedFormat.Gif));
        var second = await Embed(Encode(otherPicture, EncodedFormat.Gif));

        AssertClose("animated GIF", animated, first, second, maxShare: 0.01f);
    }

    [Fact]
    public async Task A_1x1_image_embeds_like_a_large_image_of_that_colour()
    {
        var pixel = await Embed(TestImages.Solid(200, 30, 90, 1, 1));
        var large = await Embed(TestImages.Solid(200, 30, 90, 300, 200));
        var otherColour = await Embed(TestImages.Solid(30, 200, 90, 300, 200));

        AssertClose("1x1 PNG", pixel, large, otherColour, maxShare: 0.01f);
    }

    private static byte[] Encode(byte[] rgb, EncodedFormat format) => ImageEncoder.Encode(rgb, Width, Height, 3, format, quality: 95);

    private async Task<float[]> Embed(byte[] encoded) => (await embedder.EmbedAsync(encoded)).Vector;

    /// <summary>The variant must sit much nearer its plain version than the plain version sits to another picture.</summary>
    private void AssertClose(string what, float[] variant, float[] plain, float[] other, float maxShare)
    {
        var toPlain = TensorPrimitives.Distance(variant, plain);
        var between = TensorPrimitives.Distance(plain, other);
        log.WriteLine($"{what}: distance to the plain version {toPlain:G4}, between two pictures {between:G4}, share {toPlain / between:G3}");
        Assert.True(between > 0, "the two reference pictures embed identically");
        Assert.True(toPlain <= maxShare * between, $"{what}: {toPlain} from its plain version, more than {maxShare:P0} of {between} (another picture)");
    }
}
