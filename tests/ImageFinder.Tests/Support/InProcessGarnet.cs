using System.Net;
using System.Net.Sockets;
using Garnet;
using Garnet.server;
using Tsavorite.core;

namespace ImageFinder.Tests.Support;

/// <summary>
/// Garnet's own server (<c>Microsoft.Garnet</c>, the version the garnet-server tool pins) inside the test process,
/// on a free 127.0.0.1 port, with Vector Sets enabled. Disposing it stops the server and deletes its folder.
/// A fault in Garnet's native code would take the test host down with it: tests that kill servers use
/// <see cref="LocalCluster"/> (separate processes) instead.
/// </summary>
public sealed class InProcessGarnet : IDisposable
{
    private readonly GarnetServer server;
    private readonly TempFolder folder;

    private InProcessGarnet(GarnetServer server, TempFolder folder, int port)
    {
        this.server = server;
        this.folder = folder;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Like <c>127.0.0.1:41234</c>, for StackExchange.Redis' configuration string.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    public static InProcessGarnet Start()
    {
        var folder = new TempFolder();
        try
        {
            // Garnet cannot listen on port 0 and report the port it got, so a free port is found first. Another
            // program could take it in between: then Start throws, and a second free port is tried.
            for (var attempt = 1; ; attempt++)
            {
                var port = FreePort();
                var server = new GarnetServer(Options(port, folder.Combine($"checkpoints-{port}")));
                try
                {
                    server.Start();
                    return new InProcessGarnet(server, folder, port);
                }
                catch (SocketException) when (attempt < 3)
                {
                    server.Dispose();
                }
                catch
                {
                    server.Dispose();
                    throw;
                }
            }
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        server.Dispose();
        folder.Dispose();
    }

    private static GarnetServerOptions Options(int port, string checkpoints) => new()
    {
        EndPoints = [new IPEndPoint(IPAddress.Loopback, port)],
        EnableVectorSetPreview = true,
        // The default device (Native) needs glibc 2.38; on Debian 12 (glibc 2.36) the server dies on its first
        // disk write without this.
        DeviceType = DeviceType.RandomAccess,
        CheckpointDir = checkpoints,
        // Small: the defaults reserve a 16 GB log and a 128 MB index, for one test's handful of keys.
        LogMemorySize = "64m",
        PageSize = "1m",
        IndexMemorySize = "16m",
        QuietMode = true,
    };

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
