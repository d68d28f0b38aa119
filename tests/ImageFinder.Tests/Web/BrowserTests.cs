using System.Text.RegularExpressions;
using ImageFinder.Tests.Support.Browser;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ImageFinder.Tests.Web;

/// <summary>
/// The page in headless Chromium (Microsoft.Playwright driving the system's browser) against the real host on
/// loopback, under its Content Security Policy. Screenshots go to <see cref="WebFixture.Artifacts"/>. Without
/// Chromium these tests fail and say how to install it.
/// </summary>
[Collection(WebFixture.Name)]
public sealed class BrowserTests(WebFixture web, ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private const string ResultIds = "[...document.querySelectorAll('#results .result')].map(r => Number(r.dataset.id))";

    [Fact]
    public async Task Uploading_a_file_shows_k_results_with_the_image_itself_first()
    {
        var query = web.Paths[7];
        await using var tab = await OpenAsync("");
        var page = tab.Page;
        await tab.BodyAsync("ready", "true");
        await page.Locator("#k").FillAsync("5");

        await page.Locator("#file").SetInputFilesAsync(query);
        await tab.BodyAsync("state", "done");

        var ids = await page.EvaluateAsync<long[]>(ResultIds);
        Assert.Equal(5, ids.Length);
        Assert.Equal(web.Ids[query], ids[0]);
        Assert.Equal("distance 0.000", await page.Locator("#results .result .distance").First.TextContentAsync());
        Assert.Equal("beta", await page.Locator("#results .result .label").First.TextContentAsync());
        Assert.Equal(Path.GetFileName(query), await page.Locator("#results .result .source").First.TextContentAsync());
        // The query is shown from the chosen file itself (a blob: URL, allowed by the policy).
        Assert.StartsWith("blob:", await page.EvaluateAsync<string>("document.getElementById('query-image').src"), StringComparison.Ordinal);
        Assert.StartsWith("model: tiny-test-cnn", await page.Locator("#model").TextContentAsync(), StringComparison.Ordinal);
        Assert.Matches(@"^server: decode \d+\.\d ms · inference \d+\.\d ms · knn \d+\.\d ms$", await page.Locator("#timing").TextContentAsync());
        Assert.False(await page.EvaluateAsync<bool>("document.getElementById('timing').hidden"));
        await tab.ScreenshotAsync(Path.Combine(WebFixture.Artifacts, "search.png"));
        Assert.Empty(await tab.CspViolationsAsync());
    }

    [Fact]
    public async Task The_label_picker_lists_every_folder_and_limits_the_results_to_the_chosen_ones()
    {
        var query = web.Paths[7];
        await using var tab = await OpenAsync("");
        var page = tab.Page;
        await tab.BodyAsync("ready", "true");
        await Expect(page.Locator("#labels option")).ToHaveCountAsync(3);
        Assert.Equal(["alpha (6)", "beta (6)", "gamma (6)"], await page.Locator("#labels option").AllTextContentsAsync());
        await page.Locator("#k").FillAsync("10");

        // A beta image as the query, gamma chosen: every result is a gamma image, and all of them are there.
        await page.Locator("#labels").SelectOptionAsync(["gamma"]);
        await page.Locator("#file").SetInputFilesAsync(query);
        await tab.BodyAsync("state", "done");

        var labels = await page.Locator("#results .result .label").AllTextContentsAsync();
        Assert.Equal(Enumerable.Repeat("gamma", WebFixture.PerFolder), labels);
        Assert.DoesNotContain(web.Ids[query], await page.EvaluateAsync<long[]>(ResultIds));
        Assert.Empty(await tab.CspViolationsAsync());
    }

    [Fact]
    public async Task Dropping_an_image_file_on_the_page_searches_with_it()
    {
        var query = web.Paths[4];
        var id = web.Ids[query];
        await using var tab = await OpenAsync("");
        var page = tab.Page;
        await tab.BodyAsync("ready", "true");

        // A drop as the browser delivers it: a DragEvent whose DataTransfer holds the file.
        var transfer = await page.EvaluateHandleAsync($$"""
            async () => {
              const bytes = await (await fetch('images/{{id}}/file')).blob();
              const transfer = new DataTransfer();
              transfer.items.add(new File([bytes], 'dropped.png', { type: bytes.type }));
              return transfer;
            }
            """);
        await page.Locator("#drop").DispatchEventAsync("drop", new { dataTransfer = transfer });
        await tab.BodyAsync("state", "done");

        Assert.Equal(id, await page.EvaluateAsync<long>("Number(document.querySelector('#results .result').dataset.id)"));
        Assert.Equal("distance 0.000", await page.Locator("#results .result .distance").First.TextContentAsync());
        Assert.StartsWith("dropped.png", await page.Locator("#query-caption").TextContentAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_an_image_shows_the_problem_title_and_detail()
    {
        using var temp = new Support.TempFolder();
        var notAnImage = temp.Combine("notes.png");
        await File.WriteAllTextAsync(notAnImage, "this is text, not a picture");
        await using var tab = await OpenAsync("");
        var page = tab.Page;
        await tab.BodyAsync("ready", "true");

        await page.Locator("#file").SetInputFilesAsync(notAnImage);
        await tab.BodyAsync("state", "error");

        Assert.Equal("Not a supported image", await page.Locator("#error strong").TextContentAsync());
        Assert.Contains("Not an image format ImageFinder can read", await page.Locator("#error span").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#results .result").CountAsync());
        await tab.ScreenshotAsync(Path.Combine(WebFixture.Artifacts, "search-error.png"));
        Assert.Empty(await tab.CspViolationsAsync());
    }

    [Fact]
    public async Task Pasting_an_image_url_searches_with_the_image_the_server_fetched()
    {
        var query = web.Paths[13];
        var url = new Uri(web.FilesUrl, $"files/{Path.GetFileName(Path.GetDirectoryName(query))}/{Path.GetFileName(query)}").ToString();
        await using var tab = await OpenAsync("");
        var page = tab.Page;
        await tab.BodyAsync("ready", "true");

        await page.Locator("#k").FillAsync("4");
        await page.Locator("#url").FillAsync(url);
        await page.Locator("#url-form button[type=submit]").ClickAsync();
        await tab.BodyAsync("state", "done");

        var ids = await page.EvaluateAsync<long[]>(ResultIds);
        Assert.Equal(4, ids.Length);
        Assert.Equal(web.Ids[query], ids[0]);
        Assert.Equal("distance 0.000", await page.Locator("#results .result .distance").First.TextContentAsync());
        Assert.Equal("gamma", await page.Locator("#results .result .label").First.TextContentAsync());
        Assert.Contains(url, await page.Locator("#query-caption").TextContentAsync(), StringComparison.Ordinal);
        await tab.ScreenshotAsync(Path.Combine(WebFixture.Artifacts, "search-url.png"));
        Assert.Empty(await tab.CspViolationsAsync());
    }

    [Fact]
    public async Task More_like_this_searches_with_a_stored_image_and_shows_thumbnails()
    {
        await using var tab = await OpenAsync("");
        var page = tab.Page;
        await tab.BodyAsync("ready", "true");
        await page.Locator("#file").SetInputFilesAsync(web.Paths[2]);
        await tab.BodyAsync("state", "done");
        var first = await page.EvaluateAsync<long[]>(ResultIds);
        var chosen = first[1];

        // The click sets ?similar= and the "searching" state at once; "done" is the new search's.
        await page.Locator("#results .result .more").Nth(1).ClickAsync();
        await Expect(page).ToHaveURLAsync(new Regex($@"\?similar={chosen}$"));
        await tab.BodyAsync("state", "done");

        var ids = await page.EvaluateAsync<long[]>(ResultIds);
        Assert.Equal(12, ids.Length);
        Assert.DoesNotContain(chosen, ids);
        // No image was decoded or embedded: no server timing to show.
        Assert.True(await page.EvaluateAsync<bool>("document.getElementById('timing').hidden"));
        Assert.EndsWith($"/images/{chosen}/file?size=320", await page.EvaluateAsync<string>("document.getElementById('query-image').src"), StringComparison.Ordinal);
        // Every thumbnail loads (a JPEG of at most 160 px from /images/{id}/file?size=160).
        await page.EvaluateAsync("document.querySelectorAll('#results img').forEach(i => i.loading = 'eager')");
        Assert.True(await tab.ImagesLoadedAsync("#results img"), "every thumbnail decoded");
        Assert.True(await page.EvaluateAsync<bool>("[...document.querySelectorAll('#results img')].every(i => Math.max(i.naturalWidth, i.naturalHeight) === 160)"));
        await tab.ScreenshotAsync(Path.Combine(WebFixture.Artifacts, "search-similar.png"));
        Assert.Empty(await tab.CspViolationsAsync());
        Assert.True(tab.Errors.Count == 0, string.Join(" | ", tab.Errors));
    }

    [Fact]
    public async Task Hovering_a_map_point_shows_its_thumbnail_and_clicking_runs_more_like_this()
    {
        await using var tab = await OpenAsync("map.html");
        var page = tab.Page;
        await tab.BodyAsync("state", "done");
        var id = await page.EvaluateAsync<long>("document.getElementById('plot').data[0].customdata[0]");

        // The mouse goes to the first point's centre, as a user's would. Plotly's drag layer lies over the points
        // and takes the mouse events (it finds the point under them itself), so Playwright's check that the point
        // itself would receive them is skipped (Force).
        var firstPoint = page.Locator("#plot .scatterlayer .trace .point").First;
        await firstPoint.HoverAsync(new() { Force = true });
        await Expect(page.Locator("#preview")).ToBeVisibleAsync();
        Assert.True(await tab.ImagesLoadedAsync("#preview-image"), "the preview thumbnail decoded");

        Assert.EndsWith($"/images/{id}/file?size=160", await page.EvaluateAsync<string>("document.getElementById('preview-image').src"), StringComparison.Ordinal);
        await tab.ScreenshotAsync(Path.Combine(WebFixture.Artifacts, "map-hover.png"));

        // The click opens the search page at ?similar=id (a new document: its "done" is that search's).
        await firstPoint.ClickAsync(new() { Force = true });
        await Expect(page).ToHaveURLAsync(new Regex($@"\?similar={id}$"));
        await tab.BodyAsync("state", "done");

        Assert.DoesNotContain(id, await page.EvaluateAsync<long[]>(ResultIds));
        Assert.Empty(await tab.CspViolationsAsync());
    }

    [Fact]
    public async Task The_search_page_fits_a_phone_screen()
    {
        await using var tab = await OpenAsync("", new() { ViewportSize = new() { Width = 390, Height = 844 }, DeviceScaleFactor = 1, IsMobile = true });
        var page = tab.Page;
        await tab.BodyAsync("ready", "true");

        await page.Locator("#file").SetInputFilesAsync(web.Paths[0]);
        await tab.BodyAsync("state", "done");

        Assert.True(await page.Locator("#results .result").CountAsync() > 0);
        var width = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(width <= 390, $"the page is {width} px wide on a 390 px screen");
        await tab.ScreenshotAsync(Path.Combine(WebFixture.Artifacts, "search-phone.png"));
    }

    [Fact]
    public async Task The_map_draws_every_image_coloured_by_folder_with_pca_and_tsne()
    {
        await using var tab = await OpenAsync("map.html?method=pca&dimensions=2");
        var page = tab.Page;
        await tab.BodyAsync("state", "done");

        Assert.Equal(web.Count, await page.Locator("#plot .scatterlayer .point").CountAsync());
        Assert.Equal(WebFixture.Folders, await page.EvaluateAsync<string[]>("document.getElementById('plot').data.map(t => t.name)"));
        await tab.ScreenshotAsync(Path.Combine(WebFixture.Artifacts, "map-pca.png"));

        // The change sets ?method=tsne and the "loading" state at once; "done" is the t-SNE map's.
        await page.Locator("#method").SelectOptionAsync("tsne");
        await Expect(page).ToHaveURLAsync(new Regex(@"\?.*tsne"));
        await tab.BodyAsync("state", "done");

        Assert.Equal(web.Count, await page.Locator("#plot .scatterlayer .point").CountAsync());
        await tab.ScreenshotAsync(Path.Combine(WebFixture.Artifacts, "map-tsne.png"));
        Assert.Empty(await tab.CspViolationsAsync());
        Assert.True(tab.Errors.Count == 0, string.Join(" | ", tab.Errors));
    }

    [Fact]
    public async Task The_3d_map_draws_every_image_with_webgl()
    {
        await using var tab = await OpenAsync("map.html?method=pca&dimensions=3");
        var page = tab.Page;
        await tab.BodyAsync("state", "done");

        var counts = await page.EvaluateAsync<int[]>("document.getElementById('plot').data.map(t => t.z.length)");
        Assert.Equal(web.Count, counts.Sum());
        Assert.True(await page.Locator("#plot canvas").CountAsync() > 0);
        await tab.ScreenshotAsync(Path.Combine(WebFixture.Artifacts, "map-3d.png"));
        Assert.Empty(await tab.CspViolationsAsync());
    }

    /// <summary>A new tab (its own context) at <paramref name="relative"/> on the test host, loaded.</summary>
    private async Task<BrowserTab> OpenAsync(string relative, BrowserNewContextOptions? options = null)
    {
        var tab = await chromium.NewTabAsync(options);
        try
        {
            await tab.Page.GotoAsync(new Uri(web.BaseUrl, relative).ToString());
            return tab;
        }
        catch
        {
            await tab.DisposeAsync();
            throw;
        }
    }
}
