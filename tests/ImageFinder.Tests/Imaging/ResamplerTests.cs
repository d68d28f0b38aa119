using ImageFinder.Imaging;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Imaging;

public sealed class ResamplerTests
{
    private static readonly PreprocessingSpec Spec = PreprocessingSpec.ImageNet;

    /// <summary>An odd crop size: the horizontal pass works on pairs of pixels and must handle the last one alone.</summary>
    private static readonly PreprocessingSpec OddCrop = new(121, 97, [0.5f, 0.4f, 0.3f], [0.2f, 0.25f, 0.3f]);

    /// <summary>EfficientNet-B2's preprocessing in torchvision: bicubic to 288, crop 288.</summary>
    private static readonly PreprocessingSpec Bicubic288 = new(288, 288, [0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f], ResizeFilter.Bicubic);

    /// <summary>Bicubic with an odd crop inside a larger resize.</summary>
    private static readonly PreprocessingSpec BicubicOdd = new(150, 101, [0.5f, 0.4f, 0.3f], [0.2f, 0.25f, 0.3f], ResizeFilter.Bicubic);

    [Theory]
    [InlineData(640, 480)] // 1.875x down: the triangle widens to five taps
    [InlineData(480, 270)] // slightly down, landscape
    [InlineData(300, 1000)] // portrait
    [InlineData(100, 120)] // 2.56x up: plain bilinear
    [InlineData(256, 256)] // no resize, crop only
    [InlineData(1, 1)]
    public void Matches_a_direct_two_dimensional_evaluation_of_the_same_filter(int width, int height)
    {
        var pixels = new byte[width * height * 3];
        new Random(width * 31 + height).NextBytes(pixels);

        foreach (var spec in new[] { Spec, OddCrop, Bicubic288, BicubicOdd })
        {
            var tensor = new float[spec.TensorLength];
            Resampler.ResizeCropNormalise(pixels, width, height, spec, tensor);

            var expected = Reference(pixels, width, height, spec);
            for (var i = 0; i < tensor.Length; i++)
            {
                Assert.True(Math.Abs(tensor[i] - expected[i]) < 1e-4, $"{spec.Filter} crop {spec.CropSize}, element {i}: {tensor[i]} vs {expected[i]}");
            }
        }
    }

    [Theory]
    [InlineData(ResizeFilter.Bilinear, 640, 480)]
    [InlineData(ResizeFilter.Bilinear, 333, 500)]
    [InlineData(ResizeFilter.Bicubic, 640, 480)]
    [InlineData(ResizeFilter.Bicubic, 200, 150)] // upscaled to 288: the cubic kernel's negative lobes at full strength
    public void Matches_PIL_resize_and_centre_crop_as_torchvision_applies_them(ResizeFilter filter, int width, int height)
    {
        // torchvision's Resize(size) + CenterCrop(crop) on a PIL image, run by PIL itself (Debian's python3-pil,
        // installed with python3-torchvision). PIL rounds to 8 bits after each pass; we stay in float, so the two
        // agree to about one 8-bit step.
        var spec = filter == ResizeFilter.Bicubic ? Bicubic288 : Spec;
        var pixels = TestImages.PatternPixels(7, width, height);
        var tensor = new float[spec.TensorLength];
        Resampler.ResizeCropNormalise(pixels, width, height, spec, tensor);

        var pil = PilReference.ResizeCrop(pixels, width, height, spec.ResizeShorterSide, spec.CropSize, filter);
        var plane = spec.CropSize * spec.CropSize;
        double worst = 0, total = 0;
        for (var c = 0; c < 3; c++)
        {
            for (var i = 0; i < plane; i++)
            {
                var ours = (tensor[(c * plane) + i] * spec.Std[c]) + spec.Mean[c];
                var difference = Math.Abs((ours * 255) - pil[(i * 3) + c]);
                worst = Math.Max(worst, difference);
                total += difference;
            }
        }

        Assert.True(worst <= 1.5, $"largest difference {worst:F2} of 255");
        Assert.True(total / (3 * plane) <= 0.5, $"mean difference {total / (3 * plane):F3} of 255");
    }

    [Theory]
    [InlineData(640, 480, 341, 256)]
    [InlineData(480, 640, 256, 341)]
    [InlineData(4000, 3000, 341, 256)]
    [InlineData(100, 100, 256, 256)]
    [InlineData(6000, 8, 192000, 256)]
    [InlineData(100, 130, 256, 332)] // 332.8: torchvision truncates the longer side, it does not round
    public void Resized_size_puts_the_shorter_side_at_256(int width, int height, int resizedWidth, int resizedHeight) =>
        Assert.Equal((resizedWidth, resizedHeight), Resampler.ResizedSize(width, height, 256));

    [Theory]
    [InlineData(480, 1)] // 640x480: a 1/2 decode would be 240 high, under 256
    [InlineData(512, 2)]
    [InlineData(1080, 4)] // 1920x1080 decodes at 480x270
    [InlineData(2047, 4)]
    [InlineData(2048, 8)]
    [InlineData(3000, 8)] // 4000x3000 decodes at 500x375
    [InlineData(100, 1)]
    public void Jpeg_shrink_on_load_keeps_the_shorter_side_at_least_the_target(int shorterSide, int shrink)
    {
        Assert.Equal(shrink, ImagePreprocessor.JpegShrinkFor(shorterSide, 256));
        Assert.True(shorterSide < 256 || shorterSide / shrink >= 256);
    }

    [Fact]
    public void A_jpeg_decoded_at_an_eighth_gives_nearly_the_tensor_of_its_full_size_png()
    {
        // 4000x3000 with smooth content: the JPEG is decoded at 500x375 in the DCT domain, the PNG in full and
        // box-shrunk; they differ by JPEG's own loss and the two reduction filters, not by anything visible.
        var pixels = TestImages.PatternPixels(4, 4000, 3000);
        var viaJpeg = new float[Spec.TensorLength];
        var viaPng = new float[Spec.TensorLength];
        var preprocessor = new ImagePreprocessor(Spec, maxPixels: 50_000_000);
        preprocessor.Prepare(ImageEncoder.Encode(pixels, 4000, 3000, 3, EncodedFormat.Jpeg, 95), viaJpeg);
        preprocessor.Prepare(ImageEncoder.Encode(pixels, 4000, 3000, 3, EncodedFormat.Png), viaPng);

        var meanAbsolute = viaJpeg.Zip(viaPng, (a, b) => Math.Abs(a - b)).Average();
        var spread = viaPng.Max() - viaPng.Min();
        Assert.True(spread > 1, "the pattern should not be flat");
        Assert.True(meanAbsolute < 0.02 * spread, $"mean |difference| {meanAbsolute} against a spread of {spread}");
    }

    [Theory]
    [InlineData(64)] // resampled directly
    [InlineData(1200)] // box-shrunk by libvips first
    public void Alpha_is_flattened_onto_white_before_any_averaging(int side)
    {
        // A checkerboard of opaque red and fully transparent green pixels. Flattened first, it averages to
        // (255, 127.5, 127.5); averaging colour and alpha first would give (191, 191, 127) instead.
        var rgba = new byte[side * side * 4];
        for (var y = 0; y < side; y++)
        {
            for (var x = 0; x < side; x++)
            {
                var o = ((y * side) + x) * 4;
                if ((x + y) % 2 == 0)
                {
                    rgba[o] = 255;
                    rgba[o + 3] = 255;
                }
                else
                {
                    rgba[o + 1] = 255;
                }
            }
        }

        var tensor = new float[Spec.TensorLength];
        new ImagePreprocessor(Spec, maxPixels: 50_000_000).Prepare(ImageEncoder.Encode(rgba, side, side, 4, EncodedFormat.Png), tensor);

        var plane = 224 * 224;
        var centre = (112 * 224) + 112;
        Assert.Equal(1.0, (tensor[centre] * 0.229) + 0.485, 2);
        Assert.Equal(0.5, (tensor[plane + centre] * 0.224) + 0.456, 1);
        Assert.Equal(0.5, (tensor[(2 * plane) + centre] * 0.225) + 0.406, 1);
    }

    /// <summary>The same filter written the slow, obvious way: every output pixel as a 2-D weighted sum, in double.</summary>
    private static float[] Reference(byte[] pixels, int width, int height, PreprocessingSpec spec)
    {
        var crop = spec.CropSize;
        var (resizedWidth, resizedHeight) = Resampler.ResizedSize(width, height, spec.ResizeShorterSide);
        var left = Resampler.CropOffset(resizedWidth, crop);
        var top = Resampler.CropOffset(resizedHeight, crop);
        var result = new float[spec.TensorLength];
        for (var oy = 0; oy < crop; oy++)
        {
            var wy = Weights(height, resizedHeight, top + oy, spec.Filter);
            for (var ox = 0; ox < crop; ox++)
            {
                var wx = Weights(width, resizedWidth, left + ox, spec.Filter);
                for (var c = 0; c < 3; c++)
                {
                    double sum = 0;
                    foreach (var (y, weightY) in wy)
                    {
                        foreach (var (x, weightX) in wx)
                        {
                            sum += weightY * weightX * pixels[(((y * width) + x) * 3) + c];
                        }
                    }

                    result[(c * crop * crop) + (oy * crop) + ox] = (float)(((sum / 255) - spec.Mean[c]) / spec.Std[c]);
                }
            }
        }

        return result;
    }

    /// <summary>Triangle or Keys-cubic weights, widened by the reduction factor, over the source samples within reach, normalised.</summary>
    private static List<(int Index, double Weight)> Weights(int inSize, int outSize, int output, ResizeFilter filter)
    {
        var scale = (double)inSize / outSize;
        var widen = Math.Max(scale, 1);
        var centre = (output + 0.5) * scale;
        var reach = filter == ResizeFilter.Bicubic ? 2 : 1;
        var taps = new List<(int, double)>();
        for (var i = 0; i < inSize; i++)
        {
            var distance = Math.Abs((i + 0.5 - centre) / widen);
            if (distance < reach)
            {
                // Keys' cubic convolution kernel with a = -0.5, written out in its two pieces.
                var weight = filter == ResizeFilter.Bilinear ? 1 - distance
                    : distance < 1 ? (1.5 * distance * distance * distance) - (2.5 * distance * distance) + 1
                    : (-0.5 * distance * distance * distance) + (2.5 * distance * distance) - (4 * distance) + 2;
                taps.Add((i, weight));
            }
        }

        if (taps.Count == 0)
        {
            taps.Add((Math.Clamp((int)centre, 0, inSize - 1), 1));
        }

        var total = taps.Sum(t => t.Item2);
        return taps.Select(t => (t.Item1, t.Item2 / total)).ToList();
    }
}
