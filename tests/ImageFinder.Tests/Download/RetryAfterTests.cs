using System.Net;
using System.Net.Http.Headers;
using ImageFinder.Download;

namespace ImageFinder.Tests.Download;

public sealed class RetryAfterTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(30);

    [Fact]
    public void Delta_seconds_are_honoured()
    {
        using var response = Answer(new RetryConditionHeaderValue(TimeSpan.FromSeconds(7)));

        Assert.Equal(TimeSpan.FromSeconds(7), SafeHttpDownloader.RetryAfter(response, Cap, Now));
    }

    [Fact]
    public void An_http_date_is_a_wait_until_then()
    {
        using var response = Answer(new RetryConditionHeaderValue(Now.AddSeconds(12)));

        Assert.Equal(TimeSpan.FromSeconds(12), SafeHttpDownloader.RetryAfter(response, Cap, Now));
    }

    [Fact]
    public void Long_waits_are_capped_and_past_dates_mean_now()
    {
        using var tooLong = Answer(new RetryConditionHeaderValue(TimeSpan.FromHours(2)));
        using var past = Answer(new RetryConditionHeaderValue(Now.AddMinutes(-1)));

        Assert.Equal(Cap, SafeHttpDownloader.RetryAfter(tooLong, Cap, Now));
        Assert.Equal(TimeSpan.Zero, SafeHttpDownloader.RetryAfter(past, Cap, Now));
    }

    [Fact]
    public void Without_the_header_the_backoff_applies()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);

        Assert.Null(SafeHttpDownloader.RetryAfter(response, Cap, Now));
        Assert.Null(SafeHttpDownloader.RetryAfter(null, Cap, Now));
    }

    private static HttpResponseMessage Answer(RetryConditionHeaderValue retryAfter) =>
        new(HttpStatusCode.TooManyRequests) { Headers = { RetryAfter = retryAfter } };
}
