namespace ImageFinder.Imaging;

/// <summary>
/// An image could not be decoded. <see cref="Failure"/> says why and <see cref="Exception.Message"/> says it in
/// ImageFinder's own words, fit for a client. <see cref="NativeDetail"/> is libvips' text, for logs only: libvips
/// has one error buffer per process, so under concurrent decodes it may even describe another image.
/// </summary>
public sealed class ImageDecodeException : Exception
{
    public ImageDecodeException(ImageDecodeFailure failure, string message, string? nativeDetail = null)
        : base(message)
    {
        Failure = failure;
        NativeDetail = string.IsNullOrWhiteSpace(nativeDetail) ? null : nativeDetail.Trim();
    }

    public ImageDecodeFailure Failure { get; }

    /// <summary>libvips' own error text, when there is one: for logs and the operator's job output, never for another client.</summary>
    public string? NativeDetail { get; }

    /// <summary>The message with libvips' text appended, for an operator's log line.</summary>
    public string MessageWithDetail => NativeDetail is null ? Message : $"{Message} (libvips: {NativeDetail})";
}
