namespace ImageFinder.Storage;

/// <summary>What a database's vectors mean: which model made them, their dimension, and the distance used.</summary>
public sealed record CollectionInfo(string Model, int Dimension, string Metric = CollectionInfo.L2)
{
    public const string L2 = "l2";
}
