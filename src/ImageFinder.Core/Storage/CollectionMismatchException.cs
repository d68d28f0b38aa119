namespace ImageFinder.Storage;

/// <summary>The database was built for another model, dimension or schema than the one asked for.</summary>
public sealed class CollectionMismatchException : Exception
{
    public CollectionMismatchException(string message)
        : base(message)
    {
    }
}
