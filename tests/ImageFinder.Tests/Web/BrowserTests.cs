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
        Assert.Matches(@"^server: decode \d+\.\d ms · inference \d+\.\d ms · knn \d+\.\d ms$", await page.EvaluateAsync<string>("document.getElementById('timing').textContent"));
        Assert.False(await page.EvaluateAsync<bool>("document.getElementById('timing').hidden"));
        await page.ScreenshotAsync(Path.Combine(WebFixture.Artifacts, "search.png"));
        Assert.Empty(await page.CspViolationsAsync());
    }

    [Fact]
    public async Task Dropping_an_image_file_on_the_page_searches_with_it()
    {
        var query = web.Paths[4];
        var id = web.Ids[query];
        await page.NavigateAsync(web.BaseUrl.ToString());
        await page.WaitForAsync("document.body.dataset.ready === 'true'");

        // A drop as the browser delivers it: a DragEvent whose DataTransfer holds the file.
        await page.EvaluateAsync<bool>($$"""
            (async () => {
              const bytes = await (await fetch('images/{{id}}/file')).blob();
              const transfer = new DataTransfer();
              transfer.items.add(new File([bytes], 'dropped.png', { type: bytes.type }));
              document.getElementById('drop').dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
              return true;
            })()
            """);
        await page.WaitForAsync("document.body.dataset.state === 'done'");

        Assert.Equal(id, await page.EvaluateAsync<long>("Number(document.querySelector('#results .result').dataset.id)"));
        Assert.Equal("distance 0.000", await page.EvaluateAsync<string>("document.querySelector('#results .result .distance').textContent"));
        Assert.StartsWith("dropped.png", await page.EvaluateAsync<string>("document.getElementById('query-caption').textContent"), StringComparison.Ordinal);
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
        Assert.Contains("Not an image format ImageFinder can read", await page.EvaluateAsync<string>("document.querySelector('#error span').textContent"), StringComparison.Ordinal);
        Assert.Equal(0, await page.EvaluateAsync<int>("document.querySelectorAll('#results .result').length"));
        await page.ScreenshotAsync(Path.Combine(WebFixture.Artifacts, "search-error.png"));
        Assert.Empty(await page.CspViolationsAsync());
    }

    [Fact]
    public async Task Pasting_an_image_url_searches_with_the_image_the_server_fetched()
    {
        var query = web.Paths[13];
        var url = new Uri(web.FilesUrl, $"files/{Path.GetFileName(Path.GetDirectoryName(query))}/{Path.GetFileName(query)}").ToString();
        await page.NavigateAsync(web.BaseUrl.ToString());
        await page.WaitForAsync("document.body.dataset.ready === 'true'");

        await page.EvaluateAsync<bool>($$"""
            (() => {
              document.getElementById('k').value = '4';
              document.getElementById('url').value = '{{url}}';
              document.getElementById('url-form').requestSubmit();
              return true;
            })()
            """);
        await page.WaitForAsync("document.body.dataset.state === 'done'");

        var ids = await page.EvaluateAsync<long[]>("[...document.querySelectorAll('#results .result')].map(r => Number(r.dataset.id))");
        Assert.Equal(4, ids.Length);
        Assert.Equal(web.Ids[query], ids[0]);
        Assert.Equal("distance 0.000", await page.EvaluateAsync<string>("document.querySelector('#results .result .distance').textContent"));
        Assert.Equal("gamma", await page.EvaluateAsync<string>("document.querySelector('#results .result .label').textContent"));
        Assert.Contains(url, await page.EvaluateAsync<string>("document.getElementById('query-caption').textContent"), StringComparison.Ordinal);
        await page.ScreenshotAsync(Path.Combine(WebFixture.Artifacts, "search-url.png"));
        Assert.Empty(await page.CspViolationsAsync());
    }

    [Fact]
    public async Task More_like_this_searches_with_a_stored_image_and_shows_thumbnails()
    {
        await page.NavigateAsync(web.BaseUrl.ToString());
        await page.WaitForAsync("document.body.dataset.ready === 'true'");
        await page.SetInputFilesAsync("#file", web.Paths[2]);
        await page.WaitForAsync("document.body.dataset.state === 'done'");
        var first = await page.EvaluateAsync<long[]>("[...document.querySelectorAll('#results .result')].map(r => Number(r.dataset.id))");
        var chosen = first[1];

        await page.EvaluateAsync<bool>("(document.querySelectorAll('#results .result .more')[1].click(), true)");
        await page.WaitForAsync($"location.search === '?similar={chosen}' && document.body.dataset.state === 'done'");

        var ids = await page.EvaluateAsync<long[]>("[...document.querySelectorAll('#results .result')].map(r => Number(r.dataset.id))");
        Assert.Equal(12, ids.Length);
        Assert.DoesNotContain(chosen, ids);
        // No image was decoded or embedded: no server timing to show.
        Assert.True(await page.EvaluateAsync<bool>("document.getElementById('timing').hidden"));
        Assert.EndsWith($"/images/{chosen}/file?size=320", await page.EvaluateAsync<string>("document.getElementById('query-image').src"), StringComparison.Ordinal);
        // Every thumbnail loads (a JPEG of at most 160 px from /images/{id}/file?size=160).
        await page.EvaluateAsync<bool>("(document.querySelectorAll('#results img').forEach(i => i.loading = 'eager'), true)");
        await page.WaitForAsync("[...document.querySelectorAll('#results img')].every(i => i.complete && i.naturalWidth > 0)");
        Assert.True(await page.EvaluateAsync<bool>("[...document.querySelectorAll('#results img')].every(i => Math.max(i.naturalWidth, i.naturalHeight) === 160)"));
        await page.ScreenshotAsync(Path.Combine(WebFixture.Artifacts, "search-similar.png"));
        Assert.Empty(await page.CspViolationsAsync());
        Assert.True(page.Errors.Count == 0, string.Join(" | ", page.Errors));
    }

    [Fact]
    public async Task Hovering_a_map_point_shows_its_thumbnail_and_clicking_runs_more_like_this()
    {
        await page.NavigateAsync(new Uri(web.BaseUrl, "map.html").ToString());
        await page.WaitForAsync("document.body.dataset.state === 'done'");
        var id = await page.EvaluateAsync<long>("document.getElementById('plot').data[0].customdata[0]");

        const string firstPoint = "#plot .scatterlayer .trace .point";
        await page.PointAtAsync(firstPoint);
        await page.WaitForAsync("!document.getElementById('preview').hidden && document.getElementById('preview-image').complete && document.getElementById('preview-image').naturalWidth > 0");

        Assert.EndsWith($"/images/{id}/file?size=160", await page.EvaluateAsync<string>("document.getElementById('preview-image').src"), StringComparison.Ordinal);
        await page.ScreenshotAsync(Path.Combine(WebFixture.Artifacts, "map-hover.png"));

        await page.PointAtAsync(firstPoint, click: true);
        await page.WaitForAsync($"location.search === '?similar={id}' && document.body.dataset.state === 'done'");

        Assert.DoesNotContain(id, await page.EvaluateAsync<long[]>("[...document.querySelectorAll('#results .result')].map(r => Number(r.dataset.id))"));
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
