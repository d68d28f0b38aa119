using ImageFinder.Imaging;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Imaging;

public sealed class ImagePreprocessorTests
{
    private static readonly PreprocessingSpec Spec = PreprocessingSpec.ImageNet;
    private readonly ImagePreprocessor preprocessor = new(Spec, maxPixels: 50_000_000);

    [Fact]
    public void Solid_colour_becomes_the_normalised_value_in_every_position_of_each_channel()
    {
        var tensor = new float[Spec.TensorLength];
        var size = preprocessor.Prepare(TestImages.Solid(255, 128, 0, 300, 200), tensor);

        Assert.Equal(new ImageSize(300, 200), size);
        var plane = 224 * 224;
        AssertPlane(tensor.AsSpan(0, plane), (1f - 0.485f) / 0.229f);
        AssertPlane(tensor.AsSpan(plane, plane), ((128 / 255f) - 0.456f) / 0.224f);
        AssertPlane(tensor.AsSpan(2 * plane, plane), (0f - 0.406f) / 0.225f);
    }

    [Fact]
    public void Crop_keeps_the_centre_of_the_shorter_side_resized_to_256()
    {
        // 512 wide, 256 high: left half black, right half white, a 4-pixel red band in the middle
        // is outside the crop? No: the crop is the centre 224 of a 256x256 centre square, i.e. columns
        // 144..367 of the original. Column 143 is black, column 368 is white; both lie outside.
        const int width = 512, height = 256;
        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var value = x < 256 ? (byte)0 : (byte)255;
                var o = ((y * width) + x) * 3;
                pixels[o] = pixels[o + 1] = pixels[o + 2] = value;
            }
        }

        var tensor = new float[Spec.TensorLength];
        preprocessor.Prepare(ImageEncoder.Encode(pixels, width, height, 3, EncodedFormat.Png), tensor);

        var black = (0f - 0.485f) / 0.229f;
        var white = (1f - 0.485f) / 0.229f;
        // Red channel, row 100: the crop spans columns 144..367, so the edge is at crop column 112.
        var row = tensor.AsSpan(100 * 224, 224);
        Assert.Equal(black, row[0], 3);
        Assert.Equal(black, row[108], 3);
        Assert.Equal(white, row[116], 3);
        Assert.Equal(white, row[223], 3);
    }

    [Fact]
    public void Transparent_pixels_are_flattened_onto_white()
    {
        var rgba = new byte[64 * 64 * 4]; // all zero: black, fully transparent
        var tensor = new float[Spec.TensorLength];
        preprocessor.Prepare(ImageEncoder.Encode(rgba, 64, 64, 4, EncodedFormat.Png), tensor);

        AssertPlane(tensor.AsSpan(0, 224 * 224), (1f - 0.485f) / 0.229f);
    }

    [Fact]
    public void Grayscale_is_expanded_to_three_equal_channels()
    {
        var grey = Enumerable.Repeat((byte)200, 100 * 80).ToArray();
        var tensor = new float[Spec.TensorLength];
        preprocessor.Prepare(ImageEncoder.Encode(grey, 100, 80, 1, EncodedFormat.Png), tensor);

        var plane = 224 * 224;
        AssertPlane(tensor.AsSpan(0, plane), ((200 / 255f) - 0.485f) / 0.229f);
        AssertPlane(tensor.AsSpan(plane, plane), ((200 / 255f) - 0.456f) / 0.224f);
        AssertPlane(tensor.AsSpan(2 * plane, plane), ((200 / 255f) - 0.406f) / 0.225f);
    }

    [Theory]
    [InlineData(EncodedFormat.Jpeg, 300, 100)]
    [InlineData(EncodedFormat.Jpeg, 3000, 1000)] // decoded at 1/2 size, then rotated
    [InlineData(EncodedFormat.Tiff, 3000, 1000)] // box-shrunk by 3 while streaming, then rotated
    public void Exif_orientation_is_applied_before_cropping(EncodedFormat format, int width, int height)
    {
        // Left half black, right half white, tagged "rotate 90° clockwise" (orientation 6): upright it is
        // taller than wide, with the black half on top.
        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = width / 2; x < width; x++)
            {
                var o = ((y * width) + x) * 3;
                pixels[o] = pixels[o + 1] = pixels[o + 2] = 255;
            }
        }

        var encoded = ImageEncoder.Encode(pixels, width, height, 3, format, 95, exifOrientation: 6, cmyk: false);
        var tensor = new float[Spec.TensorLength];
        var size = preprocessor.Prepare(encoded, tensor);

        Assert.Equal(new ImageSize(width, height), size);

        var black = (0f - 0.485f) / 0.229f;
        var white = (1f - 0.485f) / 0.229f;
        Assert.Equal(black, tensor[(20 * 224) + 10], 1);
        Assert.Equal(black, tensor[(20 * 224) + 200], 1);
        Assert.Equal(white, tensor[(200 * 224) + 10], 1);
        Assert.Equal(white, tensor[(200 * 224) + 200], 1);
    }

    [Fact]
    public void Cmyk_jpeg_is_converted_to_rgb()
    {
        // Pure cyan ink: in sRGB, little red and plenty of green and blue.
        var cmyk = new byte[64 * 64 * 4];
        for (var i = 0; i < cmyk.Length; i += 4)
        {
            cmyk[i] = 255;
        }

        var jpeg = ImageEncoder.Encode(cmyk, 64, 64, 4, EncodedFormat.Jpeg, 95, exifOrientation: null, cmyk: true);
        var tensor = new float[Spec.TensorLength];
        preprocessor.Prepare(jpeg, tensor);

        var plane = 224 * 224;
        var red = (tensor[plane / 2] * 0.229f) + 0.485f;
        var green = (tensor[plane + (plane / 2)] * 0.224f) + 0.456f;
        var blue = (tensor[(2 * plane) + (plane / 2)] * 0.225f) + 0.406f;
        Assert.True(red < 0.3f, $"red {red}");
        Assert.True(green > 0.5f, $"green {green}");
        Assert.True(blue > 0.7f, $"blue {blue}");
    }

    [Theory]
    [InlineData(EncodedFormat.Jpeg)]
    [InlineData(EncodedFormat.Png)]
    [InlineData(EncodedFormat.WebP)]
    [InlineData(EncodedFormat.Gif)]
    [InlineData(EncodedFormat.Tiff)]
    public void Every_supported_format_decodes(EncodedFormat format)
    {
        var tensor = new float[Spec.TensorLength];
        var size = preprocessor.Prepare(TestImages.Pattern(3, 200, 150, format), tensor);

        Assert.Equal(new ImageSize(200, 150), size);
        Assert.Contains(tensor, v => v != tensor[0]);
    }

    [Fact]
    public void Junk_bytes_are_an_unsupported_format()
    {
        var error = Assert.Throws<ImageDecodeException>(() => preprocessor.Prepare("hello, this is not an image"u8.ToArray(), new float[Spec.TensorLength]));
        Assert.Equal(ImageDecodeFailure.UnsupportedFormat, error.Failure);
        // Our own words for clients; libvips' text is kept apart, for logs.
        Assert.StartsWith("Not an image format ImageFinder can read", error.Message);
        Assert.DoesNotContain("load", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(error.NativeDetail);
    }

    [Fact]
    public void Bmp_is_not_read_by_this_libvips_build_and_says_so()
    {
        // A valid 2x2 24-bit BMP: the README states this build has no BMP loader; this test keeps that claim true.
        byte[] bmp =
        [
            0x42, 0x4D, 70, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0,
            40, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 24, 0, 0, 0, 0, 0, 16, 0, 0, 0, 0x13, 0x0B, 0, 0, 0x13, 0x0B, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 255, 255, 255, 255, 0, 0, 255, 0, 0, 0, 0, 0, 0, 0,
        ];

        var error = Assert.Throws<ImageDecodeException>(() => preprocessor.Prepare(bmp, new float[Spec.TensorLength]));
        Assert.Equal(ImageDecodeFailure.UnsupportedFormat, error.Failure);
    }

    [Fact]
    public void Empty_input_is_reported_as_empty()
    {
        var error = Assert.Throws<ImageDecodeException>(() => preprocessor.Prepare(Array.Empty<byte>(), new float[Spec.TensorLength]));
        Assert.Equal(ImageDecodeFailure.Empty, error.Failure);
    }

    [Theory]
    [InlineData(EncodedFormat.Jpeg)]
    [InlineData(EncodedFormat.Png)]
    public void Truncated_image_is_corrupt(EncodedFormat format)
    {
        var bytes = TestImages.Pattern(5, 400, 300, format);
        var error = Assert.Throws<ImageDecodeException>(() => preprocessor.Prepare(bytes.AsMemory(0, bytes.Length / 2), new float[Spec.TensorLength]));
        Assert.Equal(ImageDecodeFailure.Corrupt, error.Failure);
        Assert.Equal("The image data could not be decoded.", error.Message);
        Assert.NotNull(error.NativeDetail);
    }

    [Fact]
    public void Image_over_the_pixel_limit_is_refused_from_its_header()
    {
        var small = new ImagePreprocessor(Spec, maxPixels: 100 * 100);
        var error = Assert.Throws<ImageDecodeException>(() => small.Prepare(TestImages.Pattern(1, 101, 100), new float[Spec.TensorLength]));
        Assert.Equal(ImageDecodeFailure.TooManyPixels, error.Failure);
        Assert.Contains("101x100", error.Message);
    }

    [Theory]
    [InlineData(6000, 8)]
    [InlineData(8, 6000)]
    [InlineData(65536, 2)]
    public void An_extreme_strip_gives_its_centre_square_resized(int width, int height)
    {
        // Red, then an 8x8 (or 2x2) green square in the very centre, then blue: the centre crop is all green.
        var side = Math.Min(width, height);
        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var along = width > height ? x : y;
                var start = (Math.Max(width, height) - side) / 2;
                var channel = along < start ? 0 : along < start + side ? 1 : 2;
                pixels[(((y * width) + x) * 3) + channel] = 255;
            }
        }

        var tensor = new float[Spec.TensorLength];
        var size = preprocessor.Prepare(ImageEncoder.Encode(pixels, width, height, 3, EncodedFormat.Png), tensor);

        Assert.Equal(new ImageSize(width, height), size);
        var plane = 224 * 224;
        AssertPlane(tensor.AsSpan(0, plane), (0f - 0.485f) / 0.229f);
        AssertPlane(tensor.AsSpan(plane, plane), (1f - 0.456f) / 0.224f);
        AssertPlane(tensor.AsSpan(2 * plane, plane), (0f - 0.406f) / 0.225f);
    }

    private static void AssertPlane(ReadOnlySpan<float> plane, float expected)
    {
        foreach (var value in plane)
        {
            Assert.Equal(expected, value, 3);
        }
    }
}
