namespace ImageFinder.Bench.Support;

/// <summary>A synthetic collection on disk: its database, and how long writing it took (zero when an earlier run's was reused).</summary>
internal sealed record CollectionFill(string Database, int Count, bool Reused, TimeSpan Elapsed);
