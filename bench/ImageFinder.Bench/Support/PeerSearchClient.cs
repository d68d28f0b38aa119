using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace ImageFinder.Bench.Support;

/// <summary>
/// One client of <c>POST /search?k=K</c> (multipart/form-data, part 'file', one JPEG) that speaks to both APIs of the
/// peers section alike: the same request bytes, and the same answer check: 200 and a JSON <c>results</c> array of K
/// entries, each with its id and a distance (ImageFinder names the id <c>index</c> and adds the source and label; the
/// seed answers <c>id</c> and <c>distance</c>).
/// </summary>
internal sealed class PeerSearchClient : IDisposable
{
    private readonly HttpClient http;
    private readonly byte[] image;
    private readonly string path;
    private readonly int k;
    private readonly string idProperty;

    public PeerSearchClient(Uri address, byte[] image, int k, string idProperty)
    {
        this.idProperty = idProperty;
        http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(2) };
        this.image = image;
        this.k = k;
        path = "search?k=" + k.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The <c>results</c> array of the last answer.</summary>
    public JsonElement LastResults { get; private set; }

    /// <summary>One search: milliseconds from sending the request to having read and parsed the whole answer.</summary>
    /// <exception cref="InvalidOperationException">The answer was not 200 with k results.</exception>
    public async Task<double> SearchAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        using var content = new MultipartFormDataContent();
        using var file = new ByteArrayContent(image);
        file.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        content.Add(file, "file", "query.jpg");
        using var response = await http.PostAsync(path, content);
        var body = await response.Content.ReadAsByteArrayAsync();
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"POST {http.BaseAddress}{path} answered {(int)response.StatusCode}: {System.Text.Encoding.UTF8.GetString(body)}");
        }

        using var answer = JsonDocument.Parse(body);
        stopwatch.Stop();
        var results = answer.RootElement.GetProperty("results");
        if (results.GetArrayLength() != k || results.EnumerateArray().Any(r => !r.TryGetProperty(idProperty, out _) || !r.TryGetProperty("distance", out _)))
        {
            throw new InvalidOperationException($"POST {http.BaseAddress}{path} returned {results.GetArrayLength()} results (each with {idProperty} and distance expected) instead of {k}.");
        }

        LastResults = results.Clone();
        return stopwatch.Elapsed.TotalMilliseconds;
    }

    public void Dispose() => http.Dispose();
}
