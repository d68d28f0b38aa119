using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ImageFinder.Imaging;
using ImageFinder.Tests.Support;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace ImageFinder.Tests.Reliability;

/// <summary>The API under more than it can take: endless uploads and more searches than inference can serve.</summary>
public sealed class ApiPressureTests(ITestOutputHelper log) : IDisposable
{
    private const long UploadLimit = 1024 * 1024;

    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task An_endless_upload_is_cut_off_after_about_the_limit_not_buffered_first()
    {
        await using var factory = new ApiFactory(temp.Combine("empty.db"), new Dictionary<string, string?> { ["ImageFinder:MaxUploadBytes"] = UploadLimit.ToString() });
        factory.UseKestrel(0);
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(2) };
        await WaitReadyAsync(client);

        // A chunked body (no Content-Length): the server cannot know the size until it has read it.
        var endless = new EndlessUpload(maxBytes: 512L * 1024 * 1024);
        HttpStatusCode? status = null;
        try
        {
            using var response = await client.PostAsync("/search", endless);
            status = response.StatusCode;
        }
        catch (HttpRequestException)
        {
            // The server may close the connection while the client is still sending; what it read is what matters.
        }

        log.WriteLine($"status {status?.ToString() ?? "connection closed"} after the client sent {endless.BytesWritten / 1024} KiB (limit {UploadLimit / 1024} KiB)");
        Assert.True(status is null or HttpStatusCode.RequestEntityTooLarge, $"status {status}");
        // Socket buffers on both sides hold a few MB; a server that buffered the body would have read all 512 MB.
        Assert.True(endless.BytesWritten < 64L * 1024 * 1024, $"the client sent {endless.BytesWritten} bytes before the server refused");
        using var health = await client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task More_searches_than_the_inference_queue_holds_get_503_with_retry_after_and_the_rest_200()
    {
        await using var factory = new ApiFactory(temp.Combine("busy.db"), new Dictionary<string, string?>
        {
            ["ImageFinder:InferenceQueueCapacity"] = "1",
            ["ImageFinder:MaxBatchSize"] = "1",
            ["ImageFinder:MaxBatchFiles"] = "1",
        });
        using var client = await factory.CreateReadyClientAsync();
        var image = TestImages.Pattern(4, 64, 64, EncodedFormat.Png);

        var statuses = new List<HttpStatusCode>();
        var busy = new List<(string? RetryAfter, string? MediaType, string Body)>();
        // A burst of 48 searches on 2 cores with room for one waiting request: some must be shed. Bursts repeat
        // (at most 20) only so that a machine that happens to serve one burst in time cannot make this vacuous.
        for (var burst = 0; burst < 20 && busy.Count == 0; burst++)
        {
            var responses = await Task.WhenAll(Enumerable.Range(0, 48).Select(_ => client.PostAsync("/search", Multipart.Image(image))));
            foreach (var response in responses)
            {
                using (response)
                {
                    statuses.Add(response.StatusCode);
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    {
                        busy.Add((response.Headers.RetryAfter?.ToString(), response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync()));
                    }
                }
            }
        }

        Assert.All(statuses, status => Assert.True(status is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"status {status}"));
        Assert.NotEmpty(busy);
        Assert.Contains(HttpStatusCode.OK, statuses);
        Assert.All(busy, answer =>
        {
            Assert.Equal("1", answer.RetryAfter);
            Assert.Equal("application/problem+json", answer.MediaType);
            Assert.Equal("Busy", JsonDocument.Parse(answer.Body).RootElement.GetProperty("title").GetString());
        });
    }

    private static async Task WaitReadyAsync(HttpClient client)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            using var response = await client.GetAsync("/health");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("The API did not become ready.");
    }

    /// <summary>A multipart upload whose file part never ends (up to <c>maxBytes</c>), sent chunked; counts what it wrote.</summary>
    private sealed class EndlessUpload : HttpContent
    {
        private const string Boundary = "endless-upload-boundary";
        private readonly long maxBytes;
        private long written;

        public EndlessUpload(long maxBytes)
        {
            this.maxBytes = maxBytes;
            Headers.ContentType = MediaTypeHeaderValue.Parse($"multipart/form-data; boundary={Boundary}");
        }

        public long BytesWritten => Interlocked.Read(ref written);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var head = Encoding.ASCII.GetBytes($"--{Boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"endless.jpg\"\r\n\r\n");
            await stream.WriteAsync(head);
            var chunk = new byte[64 * 1024];
            Array.Fill(chunk, (byte)'x');
            while (Interlocked.Read(ref written) < maxBytes)
            {
                await stream.WriteAsync(chunk);
                Interlocked.Add(ref written, chunk.Length);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
