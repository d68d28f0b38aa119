using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace ImageFinder.Bench.Load;

/// <summary>
/// Concurrent clients, each sending <c>POST /search</c> as soon as its last request is answered, cycling
/// through the query images; every answer's status and latency is kept, and so is every failed request.
/// </summary>
internal sealed class LoadDriver : IDisposable
{
    private readonly HttpClient http;
    private readonly IReadOnlyList<byte[]> queries;
    private readonly int clients;

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA2000", Justification = "The HttpClient owns the handler (disposeHandler: true).")]
    public LoadDriver(Uri address, IReadOnlyList<byte[]> queries, int clients)
    {
        http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients }, disposeHandler: true) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        this.queries = queries;
        this.clients = clients;
    }

    /// <summary>Drives the API for <paramref name="duration"/>, reading the server's RSS with <paramref name="residentBytes"/> every second.</summary>
    public async Task<LoadResult> RunAsync(TimeSpan duration, Func<long> residentBytes)
    {
        var answers = new ConcurrentQueue<Answer>();
        var failures = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var rss = new List<long>();
        var retryAfterMissing = 0;
        var stopwatch = Stopwatch.StartNew();
        var next = -1;
        var workers = Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
        {
            while (stopwatch.Elapsed < duration)
            {
                var query = queries[(int)((uint)Interlocked.Increment(ref next) % (uint)queries.Count)];
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var content = new MultipartFormDataContent();
                    using var file = new ByteArrayContent(query);
                    file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
                    content.Add(file, "file", "query.jpg");
                    using var response = await http.PostAsync("search?k=10", content);
                    await response.Content.ReadAsByteArrayAsync();
                    answers.Enqueue(new Answer((int)response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds));
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is null)
                    {
                        Interlocked.Increment(ref retryAfterMissing);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    failures.AddOrUpdate(e.GetType().Name, 1, (_, count) => count + 1);
                }
            }
        })).ToList();

        var sampling = Task.Run(async () =>
        {
            while (!workers.All(w => w.IsCompleted))
            {
                rss.Add(residentBytes());
                await Task.WhenAny(Task.WhenAll(workers), Task.Delay(1000));
            }
        });
        await Task.WhenAll(workers);
        stopwatch.Stop();
        await sampling;
        return new LoadResult(clients, stopwatch.Elapsed, answers.ToList(), failures.ToDictionary(), rss, retryAfterMissing);
    }

    public void Dispose() => http.Dispose();
}
