namespace ImageFinder.Api.Images;

/// <summary>The multipart form of <c>POST /images</c> (documents the request body in OpenAPI).</summary>
public sealed class ImageUpload
{
    /// <summary>The image: JPEG, PNG, WebP, GIF, TIFF or HEIF.</summary>
    public required IFormFile File { get; init; }
}
