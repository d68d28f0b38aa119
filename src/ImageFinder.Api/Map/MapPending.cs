namespace ImageFinder.Api.Map;

/// <summary>The 202 answer while a map is being computed: ask again after <c>Retry-After</c> seconds.</summary>
public sealed record MapPending(string Status, string Method, int Dimensions, string Detail);
