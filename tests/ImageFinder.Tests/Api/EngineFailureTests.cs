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
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task A_model_that_fails_to_load_gives_clients_a_fixed_503_and_the_reason_only_to_the_log()
    {
        // A model file that exists (so the settings validate) but is not an ONNX model: the engine fails in the background.
        var model = temp.Combine("broken-model.onnx");
        await File.WriteAllTextAsync(model, "this is not an ONNX model");
        File.Copy(Path.ChangeExtension(TestModel.Path, ".json"), temp.Combine("broken-model.json"));
        var logs = new CapturedLogs();
        var lifetime = new RecordingLifetime();
        await using var factory = new ApiFactory(temp.Combine("x.db"), new Dictionary<string, string?> { ["ImageFinder:ModelPath"] = model });
        await using var failing = factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<ILoggerProvider>(logs);
            // The engine asks the host to stop; here the host stays up, so its answers in the meantime can be read.
            services.AddSingleton(provider => new SearchEngine(
                provider.GetRequiredService<IOptions<ImageFinderOptions>>(), provider.GetRequiredService<ILogger<SearchEngine>>(), lifetime));
        }));
        var exitCode = Environment.ExitCode;
        try
        {
            var engine = failing.Services.GetRequiredService<SearchEngine>();
            await engine.ExecuteTask!;
            Assert.Equal(EngineState.Failed, engine.State);
            Assert.True(lifetime.StopRequested);
            Assert.Equal(1, Environment.ExitCode);
            await AssertAnswersAsync(failing.CreateClient(), logs);
        }
        finally
        {
            // The engine set the exit code of this process, the test host.
            Environment.ExitCode = exitCode;
        }
    }

    private async Task AssertAnswersAsync(HttpClient client, CapturedLogs logs)
    {

        var search = await client.PostAsync("/search", Multipart.Image(TestImages.Pattern(1)));
        var list = await client.GetAsync("/images");
        var health = await client.GetAsync("/health");

        foreach (var response in new[] { search, list })
        {
            var problem = await Problem.AssertAsync(response, HttpStatusCode.ServiceUnavailable);
            Assert.Equal("Not ready", problem.GetProperty("title").GetString());
            Assert.Equal(FixedDetail, problem.GetProperty("detail").GetString());
            var text = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("broken-model", text, StringComparison.Ordinal);
            Assert.DoesNotContain(temp.Path, text, StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        var status = await health.Content.ReadFromJsonAsync<HealthResponse>();
        Assert.Equal("failed", status!.Status);
        Assert.Equal(FixedDetail, status.Error);
        Assert.DoesNotContain("broken-model", await health.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The operator still learns why: the log names the model file.
        Assert.Contains(logs.Messages, message => message.Contains("could not start", StringComparison.Ordinal) && message.Contains("broken-model.onnx", StringComparison.Ordinal));
    }
}
