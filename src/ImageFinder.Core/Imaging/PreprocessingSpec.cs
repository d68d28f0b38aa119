namespace ImageFinder.Imaging;

/// <summary>
/// How an image becomes a model input, torchvision style: the shorter side is resized to
/// <see cref="ResizeShorterSide"/> with <see cref="Filter"/>, the centre <see cref="CropSize"/>² is cut out, RGB
/// is scaled to [0,1] and normalised per channel with <see cref="Mean"/> and <see cref="Std"/>, laid out CHW.
/// </summary>
public sealed record PreprocessingSpec(int ResizeShorterSide, int CropSize, float[] Mean, float[] Std, ResizeFilter Filter = ResizeFilter.Bilinear)
{
    /// <summary>torchvision's ResNet-50 preprocessing: 256, centre crop 224, ImageNet mean and std.</summary>
    public static PreprocessingSpec ImageNet { get; } =
        new(256, 224, [0.485f, 0.456f, 0.406f], [0.229f, 0.224f, 0.225f]);

    /// <summary>Floats in one CHW image tensor: 3 × crop × crop.</summary>
    public int TensorLength => 3 * CropSize * CropSize;
}
