namespace ImageFinder.Tests.Web;

/// <summary>The tests that share one <see cref="WebFixture"/> (one collection, one host, one browser page at a time).</summary>
[CollectionDefinition(WebFixture.Name)]
public sealed class WebCollection : ICollectionFixture<WebFixture>;
