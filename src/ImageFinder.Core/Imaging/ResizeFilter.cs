namespace ImageFinder.Imaging;

/// <summary>
/// The resampling filter of the resize step, as torchvision's <c>InterpolationMode</c> names it. Both are
/// antialiased the way PIL's <c>Image.resize</c> does it (the kernel widens with the reduction factor), so a
/// model gets the input its weights were trained on.
/// </summary>
public enum ResizeFilter
{
    /// <summary>A triangle reaching one sample either side (PIL <c>BILINEAR</c>): ResNet, VGG, MobileNet weights.</summary>
    Bilinear,

    /// <summary>Keys' cubic with a = −0.5, reaching two samples either side (PIL <c>BICUBIC</c>): EfficientNet weights.</summary>
    Bicubic,
}
