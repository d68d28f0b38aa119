namespace ImageFinder.Inference;

/// <summary>A tensor's declared shape; symbolic dimensions (such as the batch) are -1.</summary>
public sealed record TensorShape(long[] Dimensions)
{
    public override string ToString() => "[" + string.Join(",", Dimensions.Select(d => d < 0 ? "N" : d.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";
}
