using System.Globalization;
using StackExchange.Redis;

namespace ImageFinder.Storage.Garnet;

/// <summary>
/// What Redis' WAIT would do, which Garnet does not have ("unknown command"): after a write, waits until every connected
/// replica has reached its primary's replication offset as it was once the write was done. Written by hand because
/// neither Garnet nor StackExchange.Redis offers it; it is the check Garnet's own tests use (INFO replication,
/// <c>master_repl_offset</c> on both sides).
/// </summary>
internal sealed class ReplicationWait(ConnectionMultiplexer connection, TimeSpan timeout)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(2);

    /// <summary>Returns once every replica has the writes made so far; throws <see cref="TimeoutException"/> past the timeout.</summary>
    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        var servers = connection.GetServers().Where(server => server.IsConnected).ToList();
        var primaries = new Dictionary<int, long>();
        var replicas = new List<(IServer Server, int PrimaryPort)>();
        foreach (var server in servers)
        {
            var info = await InfoAsync(server).ConfigureAwait(false);
            if (info.GetValueOrDefault("role") == "master")
            {
                primaries[Port(server)] = Offset(info);
            }
            else if (int.TryParse(info.GetValueOrDefault("master_port"), NumberStyles.None, CultureInfo.InvariantCulture, out var primaryPort))
            {
                replicas.Add((server, primaryPort));
            }
        }

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await Task.WhenAll(replicas
                .Where(replica => primaries.ContainsKey(replica.PrimaryPort))
                .Select(replica => CatchUpAsync(replica.Server, primaries[replica.PrimaryPort], deadline.Token))).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"A replica did not receive the write within {timeout.TotalMilliseconds:F0} ms.");
        }
    }

    private static async Task CatchUpAsync(IServer replica, long target, CancellationToken cancellationToken)
    {
        while (Offset(await InfoAsync(replica).ConfigureAwait(false)) < target)
        {
            await Task.Delay(Poll, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<Dictionary<string, string>> InfoAsync(IServer server)
    {
        var text = await server.InfoRawAsync("replication").ConfigureAwait(false) ?? "";
        return text.Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.Contains(':', StringComparison.Ordinal) && !line.StartsWith('#'))
            .Select(line => (Name: line[..line.IndexOf(':', StringComparison.Ordinal)], Value: line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..]))
            .GroupBy(pair => pair.Name, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.First().Value, StringComparer.Ordinal);
    }

    private static long Offset(Dictionary<string, string> info) =>
        long.TryParse(info.GetValueOrDefault("master_repl_offset"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var offset) ? offset : -1;

    private static int Port(IServer server) => server.EndPoint is System.Net.IPEndPoint ip ? ip.Port : ((System.Net.DnsEndPoint)server.EndPoint).Port;
}
