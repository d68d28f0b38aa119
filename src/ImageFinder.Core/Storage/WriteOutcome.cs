namespace ImageFinder.Storage;

/// <summary>What writing one record did.</summary>
public enum WriteOutcome
{
    Added,
    Updated,
}
