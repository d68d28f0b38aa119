using System.Globalization;
using System.Net;

namespace ImageFinder.Bench.Support;

/// <summary>
/// The TCP sockets a process listens on, from /proc: its file descriptors' socket inodes matched against the LISTEN
/// entries of /proc/net/tcp and /proc/net/tcp6. The peers section checks with it that every server it starts listens
/// on loopback only, and that a stopped server listens nowhere.
/// </summary>
internal static class ListeningSockets
{
    private const string ListenState = "0A";

    /// <summary>The local addresses process <paramref name="processId"/> listens on (empty once it is gone).</summary>
    public static IReadOnlyList<IPEndPoint> Of(int processId)
    {
        var inodes = SocketInodes(processId);
        if (inodes.Count == 0)
        {
            return [];
        }

        var listening = new List<IPEndPoint>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }

            foreach (var line in File.ReadLines(table).Skip(1))
            {
                // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 9 && fields[3] == ListenState && inodes.Contains(fields[9]))
                {
                    listening.Add(Parse(fields[1]));
                }
            }
        }

        return listening;
    }

    /// <summary>Whether every address is in 127.0.0.0/8 or is ::1 (an IPv4-mapped loopback address counts).</summary>
    public static bool AllLoopback(IEnumerable<IPEndPoint> endpoints) =>
        endpoints.All(e => IPAddress.IsLoopback(e.Address.IsIPv4MappedToIPv6 ? e.Address.MapToIPv4() : e.Address));

    private static HashSet<string> SocketInodes(int processId)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var fd in Directory.EnumerateFileSystemEntries($"/proc/{processId}/fd"))
            {
                // A socket descriptor is a link to "socket:[inode]".
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal))
                {
                    inodes.Add(target["socket:[".Length..^1]);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone (or going) while we looked.
        }

        return inodes;
    }

    /// <summary>"0100007F:1F90" (IPv4, each 32-bit word in host order) or the IPv6 form with four such words.</summary>
    private static IPEndPoint Parse(string field)
    {
        var parts = field.Split(':');
        var hex = parts[0];
        var bytes = new byte[hex.Length / 2];
        for (var word = 0; word < hex.Length / 8; word++)
        {
            var value = uint.Parse(hex.AsSpan(word * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            BitConverter.TryWriteBytes(bytes.AsSpan(word * 4, 4), value);
        }

        var port = int.Parse(parts[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return new IPEndPoint(new IPAddress(bytes), port);
    }
}
