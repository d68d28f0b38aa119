namespace ImageFinder.Bench.Load;

/// <summary>One answered request.</summary>
internal sealed record Answer(int Status, double Milliseconds);
