using System.Net;
using System.Net.Http.Json;
using ImageFinder.Api.Health;
using ImageFinder.Api.Hosting;
using ImageFinder.Configuration;
using ImageFinder.Tests.Support;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ImageFinder.Tests.Api;

public sealed class EngineFailureTests : IDisposable
{
    private const string FixedDetail = "The search engine failed to start; see the server log.";
    private const string Key = "engine-failure-test-key";
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task A_model_that_fails_to_load_gives_clients_a_fixed_503_and_the_reason_only_to_the_log() => await WithFailedEngineAsync(async (client, logs) =>
    {
        var search = await client.PostAsync("/search", Multipart.Image(TestImages.Pattern(1)));
        var list = await client.GetAsync("/images");
        var health = await client.GetAsync("/health");

        foreach (var response in new[] { search, list })
        {
            await AssertNotReadyAsync(response);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        var status = await health.Content.ReadFromJsonAsync<HealthResponse>();
        Assert.Equal("failed", status!.Status);
        Assert.Equal(FixedDetail, status.Error);
        Assert.DoesNotContain("broken-model", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Liveness checks no dependency: the process runs, so it answers 200 (an orchestrator restarting it would not help).
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/metrics")).StatusCode);

        // The operator still learns why: the log names the model file.
        Assert.Contains(logs.Messages, message => message.Contains("could not start", StringComparison.Ordinal) && message.Contains("broken-model.onnx", StringComparison.Ordinal));
    });

    [Fact]
    public async Task Every_endpoint_that_needs_the_engine_answers_503_and_a_requests_own_checks_still_answer_first() => await WithFailedEngineAsync(async (client, _) =>
    {
        client.DefaultRequestHeaders.Add("X-Api-Key", Key);
        var needEngine = new Func<Task<HttpResponseMessage>>[]
        {
            () => client.PostAsync("/search", Multipart.Image(TestImages.Pattern(1))),
            () => client.PostAsJsonAsync("/search/url", new { url = "http://127.0.0.1:9/x.png" }),
            () => client.GetAsync("/images?offset=0&limit=5"),
            () => client.GetAsync("/images/1"),
            () => client.GetAsync("/images/1/file?size=64"),
            () => client.GetAsync("/images/1/similar?k=2"),
            () => client.PostAsync("/images", Multipart.Image(TestImages.Pattern(2))),
            () => client.DeleteAsync("/images/1"),
            () => client.GetAsync("/stats"),
            () => client.GetAsync("/duplicates"),
            () => client.GetAsync("/map"),
        };
        foreach (var request in needEngine)
        {
            await AssertNotReadyAsync(await request());
        }

        // A bad parameter or upload is still answered as such, before the engine is asked for.
        var ownChecks = new Func<Task<HttpResponseMessage>>[]
        {
            () => client.PostAsync("/search?k=0", Multipart.Image(TestImages.Pattern(1))),
            () => client.PostAsync("/search", new StringContent("not a form")),
            () => client.PostAsJsonAsync("/search/url", new { url = "http://127.0.0.1:9/x.png", maxDistance = -1 }),
            () => client.GetAsync("/images?limit=0"),
            () => client.GetAsync("/images/1/file?size=1"),
            () => client.GetAsync("/images/1/similar?k=100000"),
            () => client.GetAsync("/duplicates?maxDistance=-1"),
            () => client.GetAsync("/map?method=umap"),
        };
        foreach (var request in ownChecks)
        {
            var response = await request();
            Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType, $"{response.RequestMessage!.RequestUri}: {(int)response.StatusCode}");
        }
    });

    /// <summary>
    /// Runs <paramref name="body"/> against a host whose engine failed to load a model file that exists (so the settings
    /// validate) but is not an ONNX model, with the host kept up: the engine's stop request is only recorded.
    /// </summary>
    private async Task WithFailedEngineAsync(Func<HttpClient, CapturedLogs, Task> body)
    {
        var model = temp.Combine("broken-model.onnx");
        await File.WriteAllTextAsync(model, "this is not an ONNX model");
        File.Copy(Path.ChangeExtension(TestModel.Path, ".json"), temp.Combine("broken-model.json"));
        var logs = new CapturedLogs();
        var lifetime = new RecordingLifetime();
        await using var factory = new ApiFactory(temp.Combine("x.db"), new Dictionary<string, string?> { ["ImageFinder:ModelPath"] = model, ["ImageFinder:ApiKey"] = Key });
        await using var failing = factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<ILoggerProvider>(logs);
            services.AddSingleton(provider => new EngineLoader(
                provider.GetRequiredService<IOptions<ImageFinderOptions>>(), provider.GetRequiredService<ILogger<EngineLoader>>(), lifetime));
        }));
        var exitCode = Environment.ExitCode;
        try
        {
            var loader = failing.Services.GetRequiredService<EngineLoader>();
            await loader.ExecuteTask!;
            Assert.Equal(EngineState.Failed, loader.State);
            Assert.True(lifetime.StopRequested);
            Assert.Equal(1, Environment.ExitCode);
            await body(failing.CreateClient(), logs);
        }
        finally
        {
            // The engine set the exit code of this process, the test host.
            Environment.ExitCode = exitCode;
        }
    }

    private async Task AssertNotReadyAsync(HttpResponseMessage response)
    {
        var problem = await Problem.AssertAsync(response, HttpStatusCode.ServiceUnavailable);
        Assert.Equal("Not ready", problem.GetProperty("title").GetString());
        Assert.Equal(FixedDetail, problem.GetProperty("detail").GetString());
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("broken-model", text, StringComparison.Ordinal);
        Assert.DoesNotContain(temp.Path, text, StringComparison.Ordinal);
    }
}
