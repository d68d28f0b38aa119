namespace ImageFinder.Storage;

/// <summary>The values of <c>ImageFinder:Store</c>, which are also each store's <see cref="IImageStore.Kind"/>.</summary>
public static class StoreKinds
{
    public const string Sqlite = "sqlite";

    public const string Garnet = "garnet";
}
