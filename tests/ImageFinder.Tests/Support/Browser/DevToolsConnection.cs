using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;

namespace ImageFinder.Tests.Support.Browser;

/// <summary>
/// A minimal Chrome DevTools Protocol client over one WebSocket: commands are JSON messages with an id and
/// get a reply with that id; everything else is an event. Sessions (one per page) are multiplexed on the
/// browser connection with <c>sessionId</c> ("flatten" mode).
/// </summary>
public sealed class DevToolsConnection : IAsyncDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(60);

    private readonly ClientWebSocket socket = new();
    private readonly SemaphoreSlim sendLock = new(1, 1);
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> pending = new();
    private readonly CancellationTokenSource closing = new();
    private Task receiving = Task.CompletedTask;
    private int nextId;

    private DevToolsConnection()
    {
    }

    /// <summary>Raised for every event: method, params, and the session it belongs to (null for the browser).</summary>
    public event Action<string, JsonElement, string?>? Event;

    public static async Task<DevToolsConnection> ConnectAsync(Uri endpoint)
    {
        var connection = new DevToolsConnection();
        connection.socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await connection.socket.ConnectAsync(endpoint, CancellationToken.None);
        connection.receiving = Task.Run(connection.ReceiveLoopAsync);
        return connection;
    }

    /// <summary>Sends a command and returns its <c>result</c>; a protocol error becomes an exception with its message.</summary>
    public async Task<JsonElement> SendAsync(string method, object? parameters = null, string? sessionId = null)
    {
        var id = Interlocked.Increment(ref nextId);
        var reply = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[id] = reply;
        var message = new Dictionary<string, object?> { ["id"] = id, ["method"] = method, ["params"] = parameters ?? new { } };
        if (sessionId is not null)
        {
            message["sessionId"] = sessionId;
        }

        var bytes = JsonSerializer.SerializeToUtf8Bytes(message);
        await sendLock.WaitAsync();
        try
        {
            await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }
        finally
        {
            sendLock.Release();
        }

        try
        {
            return await reply.Task.WaitAsync(CommandTimeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"DevTools command {method} got no reply in {CommandTimeout.TotalSeconds} s.");
        }
        finally
        {
            pending.TryRemove(id, out _);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await closing.CancelAsync();
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
            // The browser went away first.
        }

        try
        {
            await receiving.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            // Disposing the socket below ends the loop.
        }

        socket.Dispose();
        closing.Dispose();
        sendLock.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (!closing.IsCancellationRequested && socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer, closing.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage)
                {
                    continue;
                }

                Dispatch(message.GetBuffer().AsMemory(0, (int)message.Length));
                message.SetLength(0);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Closed.
        }

        foreach (var (_, reply) in pending)
        {
            reply.TrySetException(new IOException("The DevTools connection closed."));
        }
    }

    private void Dispatch(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.TryGetProperty("id", out var idElement))
        {
            if (!pending.TryGetValue(idElement.GetInt32(), out var reply))
            {
                return;
            }

            if (root.TryGetProperty("error", out var error))
            {
                reply.TrySetException(new InvalidOperationException("DevTools error: " + error.GetRawText()));
            }
            else
            {
                reply.TrySetResult(root.TryGetProperty("result", out var result) ? result.Clone() : default);
            }

            return;
        }

        if (root.TryGetProperty("method", out var method))
        {
            var parameters = root.TryGetProperty("params", out var p) ? p.Clone() : default;
            var session = root.TryGetProperty("sessionId", out var s) ? s.GetString() : null;
            Event?.Invoke(method.GetString()!, parameters, session);
        }
    }
}
