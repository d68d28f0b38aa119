using System.Net;
using System.Net.Http.Json;
using ImageFinder.Api.Search;
using ImageFinder.Configuration;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Api;

public sealed class StartupTests : IDisposable
{
    private readonly TempFolder temp = new();

    [Fact]
    public async Task An_empty_database_answers_200_with_no_results()
    {
        await using var factory = new ApiFactory(temp.Combine("empty.db"));
        using var client = await factory.CreateReadyClientAsync();

        var response = await client.PostAsync("/search", Multipart.Image(TestImages.Pattern(1)));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<SearchResponse>();
        Assert.Empty(body!.Results);
        Assert.Contains("NOT ResNet-50", body.Model);
    }

    [Fact]
    public async Task A_missing_model_file_fails_host_start_up_naming_the_setting()
    {
        var error = await FailedStartup.CatchAsync(temp.Combine("x.db"), new Dictionary<string, string?> { ["ImageFinder:ModelPath"] = temp.Combine("missing.onnx") });

        Assert.Contains("ImageFinder:ModelPath", error.Message);
        Assert.Contains("missing.onnx", error.Message);
    }

    [Fact]
    public async Task An_out_of_range_setting_fails_host_start_up_naming_it()
    {
        var error = await FailedStartup.CatchAsync(temp.Combine("x.db"), new Dictionary<string, string?> { ["ImageFinder:MaxBatchSize"] = "0" });

        Assert.Contains("MaxBatchSize", error.Message);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65")]
    public async Task InferenceSessions_out_of_range_fails_host_start_up_naming_the_setting(string sessions)
    {
        var error = await FailedStartup.CatchAsync(temp.Combine("x.db"), new Dictionary<string, string?> { ["ImageFinder:InferenceSessions"] = sessions });

        Assert.Contains("ImageFinder:InferenceSessions", error.Message);
    }

    [Fact]
    public void DefaultK_above_MaxK_is_rejected_naming_both_settings()
    {
        var result = new ImageFinderOptionsValidator().Validate(null, new ImageFinderOptions { ModelPath = TestModel.Path, DefaultK = 50, MaxK = 10 });

        Assert.True(result.Failed);
        Assert.Contains("ImageFinder:DefaultK", result.FailureMessage);
        Assert.Contains("ImageFinder:MaxK", result.FailureMessage);
    }

    [Fact]
    public void MaxBatchFiles_above_the_inference_queue_is_rejected_naming_both_settings()
    {
        var result = new ImageFinderOptionsValidator().Validate(null, new ImageFinderOptions { ModelPath = TestModel.Path, MaxBatchFiles = 33, InferenceQueueCapacity = 32 });

        Assert.True(result.Failed);
        Assert.Contains("ImageFinder:MaxBatchFiles", result.FailureMessage);
        Assert.Contains("ImageFinder:InferenceQueueCapacity", result.FailureMessage);
        Assert.True(new ImageFinderOptionsValidator().Validate(null, new ImageFinderOptions { ModelPath = TestModel.Path, MaxBatchFiles = 32, InferenceQueueCapacity = 32 }).Succeeded);
    }

    [Fact]
    public void MaxBatchUploadBytes_below_MaxUploadBytes_is_rejected_naming_both_settings()
    {
        var result = new ImageFinderOptionsValidator().Validate(null, new ImageFinderOptions { ModelPath = TestModel.Path, MaxUploadBytes = 2048, MaxBatchUploadBytes = 1024 });

        Assert.True(result.Failed);
        Assert.Contains("ImageFinder:MaxBatchUploadBytes", result.FailureMessage);
        Assert.Contains("ImageFinder:MaxUploadBytes", result.FailureMessage);
    }

    [Fact]
    public void A_database_path_that_is_a_folder_is_rejected()
    {
        var result = new ImageFinderOptionsValidator().Validate(null, new ImageFinderOptions { ModelPath = TestModel.Path, Database = temp.Path });

        Assert.True(result.Failed);
        Assert.Contains("ImageFinder:Database", result.FailureMessage);
    }

    public void Dispose() => temp.Dispose();
}
