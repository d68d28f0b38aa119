using ImageFinder.Download;

namespace ImageFinder.Tests.Download;

public sealed class UrlPolicyTests
{
    [Theory]
    [InlineData("http://example.com/a.png")]
    [InlineData("https://example.com/a.png?x=1")]
    [InlineData("  https://example.com/a.png  ")]
    public void Http_and_https_urls_are_accepted(string url)
    {
        Assert.NotNull(UrlPolicy.Parse(url, out var problem));
        Assert.Null(problem);
    }

    [Theory]
    [InlineData("ftp://example.com/a.png", "scheme 'ftp'")]
    [InlineData("file:///etc/passwd", "scheme 'file'")]
    [InlineData("/etc/passwd", "scheme 'file'")]
    [InlineData("javascript:alert(1)", "scheme 'javascript'")]
    [InlineData("data:image/png;base64,AAAA", "scheme 'data'")]
    [InlineData("images/a.png", "not an absolute URL")]
    [InlineData("", "empty")]
    public void Other_urls_are_refused_with_a_reason(string url, string reason)
    {
        Assert.Null(UrlPolicy.Parse(url, out var problem));
        Assert.Contains(reason, problem);
    }

    [Theory]
    [InlineData("https://a.example/x", "https://b.example/y", null)]
    [InlineData("http://a.example/x", "https://a.example/y", null)]
    [InlineData("http://127.0.0.1:8080/x", "http://127.0.0.1:8080/y", null)]
    [InlineData("https://a.example/x", "http://a.example/y", "plain http")]
    [InlineData("https://a.example/x", "ftp://a.example/y", "scheme")]
    [InlineData("https://a.example/x", "https://127.0.0.1/admin", "internal")]
    [InlineData("http://a.example/x", "http://127.0.0.1/admin", "internal")]
    [InlineData("https://a.example/x", "https://localhost/admin", "internal")]
    [InlineData("https://a.example/x", "https://10.1.2.3/", "internal")]
    [InlineData("https://a.example/x", "https://192.168.0.1/", "internal")]
    [InlineData("https://a.example/x", "https://169.254.169.254/latest/meta-data", "internal")]
    [InlineData("https://a.example/x", "https://[::1]/", "internal")]
    public void Each_redirect_hop_is_checked(string from, string to, string? refusal)
    {
        var problem = UrlPolicy.CheckRedirect(new Uri(from), new Uri(to));

        if (refusal is null)
        {
            Assert.Null(problem);
        }
        else
        {
            Assert.Contains(refusal, problem);
        }
    }
}
