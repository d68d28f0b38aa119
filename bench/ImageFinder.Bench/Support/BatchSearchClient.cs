using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ImageFinder.Api.Search;

namespace ImageFinder.Bench.Support;

/// <summary>Sends <c>POST /search/batch</c> with several JPEGs (multipart/form-data, one part 'file' each), as a user's client would.</summary>
internal sealed class BatchSearchClient : IDisposable
{
    private readonly HttpClient http;
    private readonly string path;
    private readonly int k;

    public BatchSearchClient(Uri address, int k)
    {
        http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(5) };
        this.k = k;
        path = "search/batch?k=" + k.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>One batch request; the answer's items (every one must be a 200 with k results).</summary>
    /// <exception cref="InvalidOperationException">The API did not answer 200 with a searched item per image.</exception>
    public async Task<IReadOnlyList<BatchSearchItem>> SearchAsync(IReadOnlyList<byte[]> images)
    {
        using var content = new MultipartFormDataContent();
        var parts = images.Select(image => new ByteArrayContent(image)).ToList();
        HttpResponseMessage response;
        try
        {
            for (var i = 0; i < parts.Count; i++)
            {
                parts[i].Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
                content.Add(parts[i], "file", $"query-{i.ToString(CultureInfo.InvariantCulture)}.jpg");
            }

            response = await http.PostAsync(path, content);
        }
        finally
        {
            // The form disposes them too; disposing twice is harmless.
            parts.ForEach(part => part.Dispose());
        }

        using var answered = response;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"POST /{path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        var answer = await response.Content.ReadFromJsonAsync<BatchSearchResponse>();
        if (answer is null || answer.Items.Count != images.Count || answer.Items.Any(item => item.Answer?.Results.Count != k))
        {
            throw new InvalidOperationException($"POST /{path} did not answer {images.Count} items of {k} results.");
        }

        return answer.Items;
    }

    public void Dispose() => http.Dispose();
}
