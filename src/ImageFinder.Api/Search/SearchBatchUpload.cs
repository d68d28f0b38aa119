namespace ImageFinder.Api.Search;

/// <summary>The multipart form of <c>POST /search/batch</c> (documents the request body in OpenAPI).</summary>
public sealed class SearchBatchUpload
{
    /// <summary>The query images, one part named 'file' each (1..MaxBatchFiles): JPEG, PNG, WebP, GIF, TIFF or HEIF.</summary>
    public required IReadOnlyList<IFormFile> File { get; init; }

    /// <summary>How many results per image (1..MaxK, default 3); may also be given as the query parameter <c>k</c>.</summary>
    public int? K { get; init; }

    /// <summary>Drop results farther than this; may also be given as the query parameter <c>maxDistance</c>.</summary>
    public float? MaxDistance { get; init; }
}
