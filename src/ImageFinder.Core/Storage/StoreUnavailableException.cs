namespace ImageFinder.Storage;

/// <summary>
/// The store could not be reached or did not answer in time (a cluster node down, a connection lost). The message names
/// the store and says what to check; the client library's own error is the inner exception, for logs only.
/// </summary>
public sealed class StoreUnavailableException : Exception
{
    public StoreUnavailableException(string store, string message, Exception? inner = null)
        : base(message, inner)
    {
        Store = store;
    }

    /// <summary>The store's kind ("garnet", "sqlite").</summary>
    public string Store { get; }
}
