namespace ImageFinder.Native;

/// <summary>A native library ImageFinder needs is not installed or cannot be loaded.</summary>
public sealed class NativeLibraryMissingException : Exception
{
    public NativeLibraryMissingException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
