using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Api;

/// <summary>The API started as a process with a bad setting: the message alone, and a non-zero exit code.</summary>
public sealed class BadSettingsProcessTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData("ImageFinder__MaxK", "0", "ImageFinder:MaxK")]                  // refused while the host is built
    [InlineData("ImageFinder__RateLimitBurst", "0", "ImageFinder:RateLimitBurst")] // refused when the host starts
    [InlineData("ImageFinder__ModelPath", "missing.onnx", "ImageFinder:ModelPath")]
    [InlineData("ImageFinder__Metrics", "maybe", "ImageFinder:Metrics")]           // not a bool: before the metrics are set up
    public async Task A_bad_setting_stops_the_api_with_its_message_alone_and_a_non_zero_exit_code(string variable, string value, string setting)
    {
        var environment = new Dictionary<string, string>
        {
            ["ImageFinder__Database"] = temp.Combine("x.db"),
            ["ImageFinder__ModelPath"] = TestModel.Path,
            [variable] = value.EndsWith(".onnx", StringComparison.Ordinal) ? temp.Combine(value) : value,
        };

        var (exitCode, output, error) = await ApiProcess.RunAsync(environment, TimeSpan.FromMinutes(2));

        Assert.NotEqual(0, exitCode);
        Assert.Contains(setting, error, StringComparison.Ordinal);
        Assert.StartsWith("error: ", error, StringComparison.Ordinal);
        foreach (var text in new[] { output, error })
        {
            Assert.DoesNotContain("Unhandled exception", text, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(temp.Combine("x.db")), "nothing is created when the settings are refused");
    }
}
