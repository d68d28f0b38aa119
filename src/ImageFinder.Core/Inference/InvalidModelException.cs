namespace ImageFinder.Inference;

/// <summary>The model file or its card does not fit ImageFinder's contract ([N,3,H,W] float in, [N,D] float out).</summary>
public sealed class InvalidModelException : Exception
{
    public InvalidModelException(string message)
        : base(message)
    {
    }
}
