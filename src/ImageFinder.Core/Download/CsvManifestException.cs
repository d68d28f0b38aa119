namespace ImageFinder.Download;

/// <summary>The CSV manifest cannot be used (no <c>url</c> column, empty file, unreadable); nothing was downloaded.</summary>
public sealed class CsvManifestException : Exception
{
    public CsvManifestException(string message)
        : base(message)
    {
    }

    public CsvManifestException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
