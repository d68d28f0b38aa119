namespace ImageFinder.Download;

/// <summary>One row of the CSV manifest: the URL, and the optional id, file name and label columns.</summary>
/// <param name="Row">The row's number in the file (the header is row 1).</param>
/// <param name="Url">The <c>url</c> column, as written.</param>
/// <param name="Id">The <c>id</c> column: names the file when there is no <c>filename</c>.</param>
/// <param name="FileName">The <c>filename</c> column: the file's name (its extension is replaced by the detected format's).</param>
/// <param name="Label">The <c>label</c> column: the subfolder the file goes into.</param>
public sealed record DownloadRequest(int Row, string Url, string? Id = null, string? FileName = null, string? Label = null);
