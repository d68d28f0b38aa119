namespace ImageFinder.Mapping;

/// <summary>The images a map is computed from: a fixed sample of the collection (all of it up to the cap), in id order, at one collection version.</summary>
public interface IMapSample : IVectorSource, IDisposable
{
    /// <summary>The collection version the sample shows.</summary>
    long Version { get; }

    /// <summary>Images in the collection (at least <see cref="IVectorSource.Count"/>).</summary>
    int Total { get; }

    IReadOnlyList<long> Ids { get; }

    IReadOnlyList<string> Sources { get; }
}
