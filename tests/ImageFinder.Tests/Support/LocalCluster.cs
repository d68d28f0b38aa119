using System.Diagnostics;
using System.Globalization;

namespace ImageFinder.Tests.Support;

/// <summary>
/// A local Garnet cluster (3 primaries, 1 replica of node 1: separate garnet-server processes on loopback) started and
/// driven by the project's own <c>docker/garnet/cluster.sh</c> in a fresh temp folder. Disposing it runs
/// <c>cluster.sh stop</c>, which ends exactly the processes the script started, then deletes the folder.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    /// <summary>Longer than every bounded wait inside the script (GARNET_CLUSTER_TIMEOUT, 120 s by default).</summary>
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(5);

    private readonly TempFolder folder;

    private LocalCluster(TempFolder folder, string endpoints, IReadOnlyList<Node> nodes)
    {
        this.folder = folder;
        Endpoints = endpoints;
        Nodes = nodes;
    }

    public static string Script { get; } = Path.Combine(Repository.Root, "docker", "garnet", "cluster.sh");

    /// <summary>The script's answer to <c>start</c>: <c>127.0.0.1:P1,...,127.0.0.1:P4</c>, nodes 1 to 4.</summary>
    public string Endpoints { get; }

    /// <summary>Node 1 to 4 as DIR/pids listed them at start-up.</summary>
    public IReadOnlyList<Node> Nodes { get; }

    public string Folder => folder.Path;

    public static async Task<LocalCluster> StartAsync()
    {
        var folder = new TempFolder();
        try
        {
            var output = await RunCheckedAsync("start", folder.Path);
            var endpoints = output.Trim();
            return new LocalCluster(folder, endpoints, ReadPids(folder.Combine("pids")));
        }
        catch
        {
            // The script stops what it started when it fails by itself; this covers a start cut short from here.
            await RunAsync("stop", folder.Path);
            folder.Dispose();
            throw;
        }
    }

    public Node this[int number] => Nodes.Single(node => node.Number == number);

    public Task StopAsync() => RunCheckedAsync("stop", Folder);

    /// <summary>Waits (inside the script, bounded) until every live replica's replication offset has reached its primary's.</summary>
    public Task WaitForReplicasAsync() => RunCheckedAsync("wait-sync", Folder);

    /// <summary>SIGKILL to primary <paramref name="number"/>: a crash, with no clean shutdown.</summary>
    public Task KillPrimaryAsync(int number) => RunCheckedAsync("kill-primary", Folder, number.ToString(CultureInfo.InvariantCulture));

    /// <summary><c>CLUSTER FAILOVER FORCE</c> on the replica; returns once it is a primary serving its slots.</summary>
    public Task FailoverAsync() => RunCheckedAsync("failover", Folder);

    public Task<string> StatusAsync() => RunCheckedAsync("status", Folder);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunCheckedAsync("stop", Folder);
        }
        finally
        {
            folder.Dispose();
        }
    }

    /// <summary>
    /// Whether any thread of <paramref name="pid"/> still runs. A process that has exited but not been collected by its
    /// parent keeps a /proc entry in state Z; and while a process exits, its main thread can be a zombie already while
    /// other threads still close its sockets. It is gone once every thread is Z (or X) or /proc has no entry for it.
    /// </summary>
    public static bool IsRunning(int pid)
    {
        string[] threads;
        try
        {
            threads = Directory.GetDirectories($"/proc/{pid}/task");
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }

        return threads.Any(thread => State(Path.Combine(thread, "stat")) is not (null or 'Z' or 'X'));
    }

    /// <summary>The state letter of a /proc stat file ("PID (name) STATE ..."; the name may hold spaces and parentheses), or null once it is gone.</summary>
    private static char? State(string statFile)
    {
        try
        {
            var stat = File.ReadAllText(statFile);
            return stat[stat.LastIndexOf(')') + 2];
        }
        catch (IOException) // FileNotFoundException, DirectoryNotFoundException: the thread or the process is gone
        {
            return null;
        }
    }

    private static List<Node> ReadPids(string path) =>
        File.ReadAllLines(path)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(fields => new Node(Number(fields[0]), Number(fields[1]), Number(fields[2])))
            .ToList();

    private static int Number(string text) => int.Parse(text, CultureInfo.InvariantCulture);

    private static async Task<string> RunCheckedAsync(params string[] args)
    {
        var (exitCode, output, error) = await RunAsync(args);
        return exitCode == 0
            ? output
            : throw new InvalidOperationException($"cluster.sh {string.Join(' ', args)} exited with {exitCode}:{Environment.NewLine}{output}{error}");
    }

    private static Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        // The nodes write to their own logs, never to the script's pipes, so both ends close when the script exits.
        var start = new ProcessStartInfo("bash");
        start.ArgumentList.Add(Script);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return ProcessRun.RunAsync(start, ScriptTimeout, $"cluster.sh {string.Join(' ', args)}");
    }

    /// <summary>One garnet-server process: its number in DIR/pids (1-3 primaries, 4 the replica of 1), port and pid.</summary>
    public sealed record Node(int Number, int Port, int Pid)
    {
        public string Endpoint => $"127.0.0.1:{Port}";
    }
}
