using System.Globalization;
using System.Runtime.InteropServices;

namespace ImageFinder.Bench.Support;

/// <summary>
/// A local Garnet cluster started and stopped by the project's own <c>docker/garnet/cluster.sh</c> (3 primaries and a
/// replica of primary 1, separate garnet-server processes on loopback) in a folder of bench/work. Each node's memory is
/// set through the script's GARNET_NODE_MEMORY and GARNET_NODE_INDEX. <see cref="DisposeAsync"/> runs
/// <c>cluster.sh stop</c>, which ends exactly the processes the script started; so does Ctrl-C or SIGTERM meanwhile.
/// </summary>
internal sealed class GarnetCluster : IAsyncDisposable
{
    /// <summary>Longer than every bounded wait inside the script (GARNET_CLUSTER_TIMEOUT, 120 s by default).</summary>
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(5);

    private readonly string script;
    private readonly List<PosixSignalRegistration> signals = [];
    private int stopped;

    private GarnetCluster(string script, string folder, string endpoints, IReadOnlyList<Node> nodes, string nodeMemory, string nodeIndex)
    {
        this.script = script;
        Folder = folder;
        Endpoints = endpoints;
        Nodes = nodes;
        NodeMemory = nodeMemory;
        NodeIndex = nodeIndex;
    }

    /// <summary>The script's folder: DIR/pids, DIR/endpoints, each node's checkpoints and log.</summary>
    public string Folder { get; }

    /// <summary><c>127.0.0.1:P1,...,127.0.0.1:P4</c>, nodes 1 to 4.</summary>
    public string Endpoints { get; }

    /// <summary>Node 1 to 4 as DIR/pids lists them: 1 to 3 the primaries, 4 the replica of 1.</summary>
    public IReadOnlyList<Node> Nodes { get; }

    /// <summary>Each node's main store memory (garnet-server -m).</summary>
    public string NodeMemory { get; }

    /// <summary>Each node's hash index size (garnet-server -i).</summary>
    public string NodeIndex { get; }

    /// <summary>
    /// Starts the cluster in <paramref name="folder"/> with <paramref name="nodeMemory"/> and <paramref name="nodeIndex"/>
    /// per node (GARNET_NODE_MEMORY and GARNET_NODE_INDEX from the environment win, so a run can give the nodes more).
    /// </summary>
    public static async Task<GarnetCluster> StartAsync(string repository, string folder, string nodeMemory, string nodeIndex)
    {
        var script = Path.Combine(repository, "docker", "garnet", "cluster.sh");
        nodeMemory = Environment.GetEnvironmentVariable("GARNET_NODE_MEMORY") is { Length: > 0 } memory ? memory : nodeMemory;
        nodeIndex = Environment.GetEnvironmentVariable("GARNET_NODE_INDEX") is { Length: > 0 } index ? index : nodeIndex;
        Directory.CreateDirectory(folder);

        // A cluster an earlier run left behind (killed before it could stop it) is stopped first; the script refuses to start over it.
        await RunAsync(script, repository, ["stop", folder], null, check: false);
        try
        {
            await RunAsync(script, repository, ["start", folder], new Dictionary<string, string>
            {
                ["GARNET_NODE_MEMORY"] = nodeMemory,
                ["GARNET_NODE_INDEX"] = nodeIndex,
            });
            var endpoints = File.ReadAllText(Path.Combine(folder, "endpoints")).Trim();
            var cluster = new GarnetCluster(script, folder, endpoints, ReadPids(Path.Combine(folder, "pids")), nodeMemory, nodeIndex);
            cluster.StopOnSignal();
            return cluster;
        }
        catch
        {
            // The script stops what it started when it fails by itself; this covers a start cut short from here.
            await RunAsync(script, repository, ["stop", folder], null, check: false);
            throw;
        }
    }

    /// <summary>Each node's resident set size now (VmRSS), or null for a node that is gone.</summary>
    public IReadOnlyList<long?> ResidentBytes() => Nodes.Select(node => ProcessMemory.ResidentBytes(node.Pid)).ToList();

    /// <summary><c>cluster.sh status</c>: each node alive or dead, and its role (for failure messages).</summary>
    public async Task<string> StatusAsync()
    {
        try
        {
            return (await RunAsync(script, Path.GetDirectoryName(script)!, ["status", Folder], null, check: false)).Trim();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return $"(cluster.sh status failed: {e.Message})";
        }
    }

    /// <summary>The last lines of each node's log, for the console after a failure.</summary>
    public string LogTails(int lines = 10) => string.Join(
        Environment.NewLine,
        Nodes.Select(node =>
        {
            var log = Path.Combine(Folder, $"node-{node.Number.ToString(CultureInfo.InvariantCulture)}.log");
            var tail = File.Exists(log) ? File.ReadLines(log).TakeLast(lines) : ["(no log)"];
            return $"--- node {node.Number} (port {node.Port}, pid {node.Pid}): {log}{Environment.NewLine}{string.Join(Environment.NewLine, tail)}";
        }));

    /// <summary>Stops the nodes (<c>cluster.sh stop</c>): throws when one survives.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref stopped, 1) == 1)
        {
            return;
        }

        foreach (var signal in signals)
        {
            signal.Dispose();
        }

        await RunAsync(script, Path.GetDirectoryName(script)!, ["stop", Folder], null);

        // The nodes' checkpoints and append-only files (about the size of the vectors): the logs stay for a look afterwards.
        foreach (var node in Nodes)
        {
            var data = Path.Combine(Folder, $"node-{node.Number.ToString(CultureInfo.InvariantCulture)}");
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    /// <summary>Ctrl-C or SIGTERM while the cluster runs: stop its nodes (they are their own sessions and would outlive the harness), then end as usual.</summary>
    private void StopOnSignal()
    {
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
        {
            signals.Add(PosixSignalRegistration.Create(signal, _ =>
            {
                if (Interlocked.Exchange(ref stopped, 1) == 1)
                {
                    return;
                }

                BenchLog.Info($"garnet: {signal}: stopping the cluster in {Folder}");
                RunAsync(script, Path.GetDirectoryName(script)!, ["stop", Folder], null, check: false).GetAwaiter().GetResult();
            }));
        }
    }

    private static async Task<string> RunAsync(string script, string workingDirectory, string[] arguments, IReadOnlyDictionary<string, string>? environment, bool check = true)
    {
        // The nodes write to their own logs, never to the script's pipes, so both ends close when the script exits.
        using var process = ChildProcess.Start("bash", [script, .. arguments], workingDirectory, environment);
        using var timeout = new CancellationTokenSource(ScriptTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            await process.StopAsync();
            throw new TimeoutException($"cluster.sh {string.Join(' ', arguments)} did not finish within {ScriptTimeout.TotalMinutes:F0} minutes:{Environment.NewLine}{process.OutputTail}");
        }

        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"cluster.sh {string.Join(' ', arguments)} exited with {process.ExitCode}:{Environment.NewLine}{process.OutputTail}");
        }

        return process.OutputTail;
    }

    private static List<Node> ReadPids(string path) =>
        File.ReadAllLines(path)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(fields => new Node(Number(fields[0]), Number(fields[1]), Number(fields[2])))
            .ToList();

    private static int Number(string text) => int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>One garnet-server process: its number in DIR/pids (1 to 3 primaries, 4 the replica of 1), port and pid.</summary>
    public sealed record Node(int Number, int Port, int Pid)
    {
        public bool IsReplica => Number == 4;
    }
}
