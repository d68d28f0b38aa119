using System.Net;
using System.Text.RegularExpressions;
using ImageFinder.Api.Web;

namespace ImageFinder.Tests.Web;

/// <summary>The page's files and headers, over plain HTTP (no browser needed).</summary>
[Collection(WebFixture.Name)]
public sealed partial class WebPageTests(WebFixture web)
{
    [Theory]
    [InlineData("", "text/html")]
    [InlineData("map.html", "text/html")]
    [InlineData("js/search.js", "text/javascript")]
    [InlineData("js/map.js", "text/javascript")]
    [InlineData("css/site.css", "text/css")]
    [InlineData("vendor/plotly-strict.min.js", "text/javascript")]
    public async Task The_page_files_are_served_with_the_security_headers(string path, string type)
    {
        var response = await web.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
        AssertSecurityHeaders(response);
        Assert.Equal(WebPageExtensions.ContentSecurityPolicy, string.Join(", ", response.Headers.GetValues("Content-Security-Policy")));
    }

    [Fact]
    public async Task The_vendored_plotting_library_is_the_pinned_strict_bundle()
    {
        var script = await web.Client.GetStringAsync("vendor/plotly-strict.min.js");

        Assert.True(script.Length > 1_000_000, $"only {script.Length} characters");
        Assert.Contains("4.1.1", script, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_responses_and_errors_get_the_security_headers_too()
    {
        AssertSecurityHeaders(await web.Client.GetAsync("health"));
        AssertSecurityHeaders(await web.Client.GetAsync("map?method=nope"));
        AssertSecurityHeaders(await web.Client.GetAsync("no-such-page"));
    }

    [Fact]
    public void The_pages_have_no_inline_script_or_event_handler_attributes()
    {
        var root = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        var pages = Directory.GetFiles(root, "*.html");
        Assert.Contains(pages, p => p.EndsWith("index.html", StringComparison.Ordinal));
        Assert.Contains(pages, p => p.EndsWith("map.html", StringComparison.Ordinal));
        foreach (var page in pages)
        {
            var html = File.ReadAllText(page);
            foreach (Match script in ScriptTag().Matches(html))
            {
                Assert.Contains(" src=", script.Value, StringComparison.Ordinal);
            }

            Assert.DoesNotMatch(EventHandlerAttribute(), html);
        }
    }

    private static void AssertSecurityHeaders(HttpResponseMessage response)
    {
        Assert.Equal("nosniff", string.Join(", ", response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("DENY", string.Join(", ", response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("no-referrer", string.Join(", ", response.Headers.GetValues("Referrer-Policy")));
        Assert.True(response.Headers.Contains("Content-Security-Policy"));
    }

    [GeneratedRegex("<script[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex ScriptTag();

    [GeneratedRegex("""\son[a-z]+\s*=""", RegexOptions.IgnoreCase)]
    private static partial Regex EventHandlerAttribute();
}
