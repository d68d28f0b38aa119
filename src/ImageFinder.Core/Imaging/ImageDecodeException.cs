namespace ImageFinder.Imaging;

/// <summary>An image could not be decoded; <see cref="Failure"/> says why and the message carries libvips' own words.</summary>
public sealed class ImageDecodeException : Exception
{
    public ImageDecodeException(ImageDecodeFailure failure, string message)
        : base(message) => Failure = failure;

    public ImageDecodeFailure Failure { get; }
}
