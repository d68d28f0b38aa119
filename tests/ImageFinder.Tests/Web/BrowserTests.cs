using ImageFinder.Tests.Support.Browser;

namespace ImageFinder.Tests.Web;

/// <summary>
/// The page in headless Chromium against the real host on loopback, under its Content Security Policy.
/// Screenshots go to <see cref="WebFixture.Artifacts"/>. Without Chromium these tests fail and say how to install it.
/// </summary>
[Collection(WebFixture.Name)]
public sealed class BrowserTests(WebFixture web) : IAsyncLifetime
{
    private ChromiumBrowser browser = null!;
    private BrowserPage page = null!;

    public async Task InitializeAsync()
    {
        browser = await ChromiumBrowser.LaunchAsync();
        page = await browser.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (browser is not null)
        {
            await browser.DisposeAsync();
        }
    }

    [Fact]
    public async Task Uploading_a_file_shows_k_results_with_the_image_itself_first()
    {
        var query = web.Paths[7];
        await page.NavigateAsync(web.BaseUrl.ToString());
        await page.WaitForAsync("document.body.dataset.ready === 'true'");
        await page.EvaluateAsync<bool>("(document.getElementById('k').value = '5', true)");

        await page.SetInputFilesAsync("#file", query);
        await page.WaitForAsync("document.body.dataset.state === 'done'");

        var ids = await page.EvaluateAsync<long[]>("[...document.querySelectorAll('#results .result')].map(r => Number(r.dataset.id))");
        Assert.Equal(5, ids.Length);
        Assert.Equal(web.Ids[query], ids[0]);
        Assert.Equal("distance 0.000", await page.EvaluateAsync<string>("document.querySelector('#results .result .distance').textContent"));
        Assert.Equal("beta", await page.EvaluateAsync<string>("document.querySelector('#results .result .label').textContent"));
        Assert.Equal(Path.GetFileName(query), await page.EvaluateAsync<string>("document.querySelector('#results .result .source').textContent"));
        // The query is shown from the chosen file itself (a blob: URL, allowed by the policy).
        Assert.StartsWith("blob:", await page.EvaluateAsync<string>("document.getElementById('query-image').src"), StringComparison.Ordinal);
        Assert.StartsWith("model: tiny-test-cnn", await page.EvaluateAsync<string>("document.getElementById('model').textContent"), StringComparison.Ordinal);
        await page.ScreenshotAsync(Path.Combine(WebFixture.Artifacts, "search.png"));
        Assert.Empty(await page.CspViolationsAsync());
    }

    [Fact]
    public async Task A_file_that_is_not_an_image_shows_the_problem_title_and_detail()
    {
        using var temp = new Support.TempFolder();
        var notAnImage = temp.Combine("notes.png");
        await File.WriteAllTextAsync(notAnImage, "this is text, not a picture");
        await page.NavigateAsync(web.BaseUrl.ToString());
        await page.WaitForAsync("document.body.dataset.ready === 'true'");

        await page.SetInputFilesAsync("#file", notAnImage);
        await page.WaitForAsync("document.body.dataset.state === 'error'");

        Assert.Equal("Not a supported image", await page.EvaluateAsync<string>("document.querySelector('#error strong').textContent"));
        Assert.Contains("known format", await page.EvaluateAsync<string>("document.querySelector('#error span').textContent"), StringComparison.Ordinal);
        Assert.Equal(0, await page.EvaluateAsync<int>("document.querySelectorAll('#results .result').length"));
        await page.ScreenshotAsync(Path.Combine(WebFixture.Artifacts, "search-error.png"));
        Assert.Empty(await page.CspViolationsAsync());
    }

    [Fact]
    public async Task The_search_page_fits_a_phone_screen()
    {
        await page.SetViewportAsync(390, 844, mobile: true);
        await page.NavigateAsync(web.BaseUrl.ToString());
        await page.WaitForAsync("document.body.dataset.ready === 'true'");

        await page.SetInputFilesAsync("#file", web.Paths[0]);
        await page.WaitForAsync("document.body.dataset.state === 'done'");

        Assert.True(await page.EvaluateAsync<int>("document.querySelectorAll('#results .result').length") > 0);
        var width = await page.EvaluateAsync<int>("document.documentElement.scrollWidth");
        Assert.True(width <= 390, $"the page is {width} px wide on a 390 px screen");
        await page.ScreenshotAsync(Path.Combine(WebFixture.Artifacts, "search-phone.png"));
    }

    [Fact]
    public async Task The_map_draws_every_image_coloured_by_folder_with_pca_and_tsne()
    {
        await page.NavigateAsync(new Uri(web.BaseUrl, "map.html?method=pca&dimensions=2").ToString());
        await page.WaitForAsync("document.body.dataset.state === 'done'");

        Assert.Equal(web.Count, await page.EvaluateAsync<int>("document.querySelectorAll('#plot .scatterlayer .point').length"));
        Assert.Equal(WebFixture.Folders, await page.EvaluateAsync<string[]>("document.getElementById('plot').data.map(t => t.name)"));
        await page.ScreenshotAsync(Path.Combine(WebFixture.Artifacts, "map-pca.png"));

        await page.EvaluateAsync<bool>("(() => { const s = document.getElementById('method'); s.value = 'tsne'; s.dispatchEvent(new Event('change')); return true; })()");
        await page.WaitForAsync("document.body.dataset.state === 'done' && location.search.includes('tsne')");

        Assert.Equal(web.Count, await page.EvaluateAsync<int>("document.querySelectorAll('#plot .scatterlayer .point').length"));
        await page.ScreenshotAsync(Path.Combine(WebFixture.Artifacts, "map-tsne.png"));
        Assert.Empty(await page.CspViolationsAsync());
        Assert.True(page.Errors.Count == 0, string.Join(" | ", page.Errors));
    }

    [Fact]
    public async Task The_3d_map_draws_every_image_with_webgl()
    {
        await page.NavigateAsync(new Uri(web.BaseUrl, "map.html?method=pca&dimensions=3").ToString());
        await page.WaitForAsync("document.body.dataset.state === 'done'");

        var counts = await page.EvaluateAsync<int[]>("document.getElementById('plot').data.map(t => t.z.length)");
        Assert.Equal(web.Count, counts.Sum());
        Assert.True(await page.EvaluateAsync<bool>("!!document.querySelector('#plot canvas')"));
        await page.ScreenshotAsync(Path.Combine(WebFixture.Artifacts, "map-3d.png"));
        Assert.Empty(await page.CspViolationsAsync());
    }
}
