using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ImageFinder.Api.Search;

namespace ImageFinder.Bench.Support;

/// <summary>Sends <c>POST /search</c> with one JPEG, as a user's client would (multipart/form-data, part 'file').</summary>
internal sealed class SearchClient : IDisposable
{
    private readonly HttpClient http;
    private readonly byte[] image;
    private readonly string path;
    private readonly int k;

    public SearchClient(Uri address, byte[] image, int k)
    {
        http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(5) };
        this.image = image;
        this.k = k;
        path = "search?k=" + k.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// One search: its latency in milliseconds, from sending the request to reading the whole answer, and the
    /// server's own time from the answer's Server-Timing header.
    /// </summary>
    /// <exception cref="InvalidOperationException">The API did not answer 200 with k results and a Server-Timing header.</exception>
    public async Task<SearchTiming> SearchAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        using var content = new MultipartFormDataContent();
        using var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        content.Add(file, "file", "query.jpg");
        using var response = await http.PostAsync(path, content);
        await ReadAnswerAsync(response, "POST /" + path);
        stopwatch.Stop();

        if (!response.Headers.TryGetValues(ServerTiming.HeaderName, out var values)
            || ServerTiming.Parse(values.First()) is not { } server
            || !server.TryGetValue("decode", out var decode) || !server.TryGetValue("inference", out var inference) || !server.TryGetValue("knn", out var knn))
        {
            throw new InvalidOperationException($"POST /{path} answered without a complete {ServerTiming.HeaderName} header.");
        }

        return new SearchTiming(stopwatch.Elapsed.TotalMilliseconds, decode, inference, knn);
    }

    /// <summary><c>GET /images/{id}/similar?k=…</c>: its latency (the answer has no Server-Timing: nothing is decoded or embedded).</summary>
    public async Task<SearchTiming> SimilarAsync(long id)
    {
        var request = $"images/{id.ToString(CultureInfo.InvariantCulture)}/similar?k={k.ToString(CultureInfo.InvariantCulture)}";
        var stopwatch = Stopwatch.StartNew();
        using var response = await http.GetAsync(request);
        await ReadAnswerAsync(response, "GET /" + request);
        stopwatch.Stop();
        return new SearchTiming(stopwatch.Elapsed.TotalMilliseconds, 0, 0, 0);
    }

    public void Dispose() => http.Dispose();

    /// <summary>Reads the whole answer; throws unless it is 200 with k results.</summary>
    private async Task ReadAnswerAsync(HttpResponseMessage response, string request)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{request} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        var answer = await response.Content.ReadFromJsonAsync<SearchResponse>();
        if (answer is null || answer.Results.Count != k)
        {
            throw new InvalidOperationException($"{request} returned {answer?.Results.Count} results instead of {k}.");
        }
    }
}
