namespace ImageFinder.Tests.Api;

/// <summary>A collection whose host has an API key, so POST and DELETE /images work.</summary>
public sealed class KeyedCollectionFixture : CollectionFixture
{
    public const string Key = "test-key-0123456789abcdef";

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["ImageFinder:ApiKey"] = Key,
        ["ImageFinder:UploadsFolder"] = Uploads,
    };
}
