namespace ImageFinder.Download;

/// <summary>The response body ended before all of it arrived (a transient failure: the attempt is retried).</summary>
internal sealed class TruncatedBodyException(string message, Exception? inner = null) : IOException(message, inner);
