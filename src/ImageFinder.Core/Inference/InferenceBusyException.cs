namespace ImageFinder.Inference;

/// <summary>The inference queue is full: the caller should shed the request (HTTP 503 with Retry-After) rather than wait.</summary>
public sealed class InferenceBusyException : Exception
{
    public InferenceBusyException(int capacity)
        : base($"The inference queue is full ({capacity} images waiting); retry shortly.") => Capacity = capacity;

    public int Capacity { get; }
}
