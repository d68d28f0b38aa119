using System.Net;
using ImageFinder.Diagnostics;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Api;

/// <summary>
/// <c>GET /metrics</c> through the real host. The meters are process-wide, so other hosts of the test run add to the
/// same series: the assertions are "went up by at least", never exact counts (and the tests run alone: see
/// <see cref="MetricsCollection"/>).
/// </summary>
public abstract class MetricsApiTests(CollectionFixture collection)
{
    private HttpClient Client => collection.Client;

    /// <summary>The <c>knn_mode</c> a search of this fixture's collection is answered in.</summary>
    protected abstract string KnnMode { get; }

    [Fact]
    public async Task A_search_shows_in_the_http_histogram_by_route_and_status_and_adds_an_inference_batch()
    {
        var before = await ScrapeAsync();
        using var recorded = new HttpRequestRecorded(collection.Factory.Services, "/search/", 200);

        using var search = await Client.PostAsync("/search", Multipart.Image(await File.ReadAllBytesAsync(collection.Paths[3])));
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        await recorded.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var after = await ScrapeAsync();

        (string, string)[] searchOk = [("http_route", "/search/"), ("http_response_status_code", "200"), ("http_request_method", "POST")];
        Assert.True(
            after.Sum("http_server_request_duration_seconds_count", searchOk) >= before.Sum("http_server_request_duration_seconds_count", searchOk) + 1,
            $"POST /search 200 is not counted in http_server_request_duration_seconds: {before.Sum("http_server_request_duration_seconds_count", searchOk)} before, {after.Sum("http_server_request_duration_seconds_count", searchOk)} after");
        Assert.Equal("histogram", after.Types["http_server_request_duration_seconds"]);
        Assert.True(after.Sum("imagefinder_inference_batch_size_count") >= before.Sum("imagefinder_inference_batch_size_count") + 1);
        Assert.True(after.Sum("imagefinder_inference_batch_size_sum") >= before.Sum("imagefinder_inference_batch_size_sum") + 1);
        Assert.True(after.Sum("imagefinder_inference_duration_seconds_count") >= before.Sum("imagefinder_inference_duration_seconds_count") + 1);
        Assert.True(after.Sum("imagefinder_decode_duration_seconds_count", ("outcome", "ok")) >= before.Sum("imagefinder_decode_duration_seconds_count", ("outcome", "ok")) + 1);
        Assert.True(after.Sum("imagefinder_knn_duration_seconds_count", ("knn_mode", KnnMode)) >= before.Sum("imagefinder_knn_duration_seconds_count", ("knn_mode", KnnMode)) + 1);
    }

    [Fact]
    public async Task Our_instruments_appear_under_prometheus_names_with_their_units_and_types()
    {
        using var search = await Client.PostAsync("/search", Multipart.Image(await File.ReadAllBytesAsync(collection.Paths[1])));
        Assert.Equal(HttpStatusCode.OK, search.StatusCode);
        using var response = await Client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        var metrics = ScrapedMetrics.Parse(await response.Content.ReadAsStringAsync());
        // Seconds get the _seconds suffix; annotation units ({image}, {request}) none.
        Assert.Equal("histogram", metrics.Types["imagefinder_inference_batch_size"]);
        Assert.Equal("histogram", metrics.Types["imagefinder_inference_duration_seconds"]);
        Assert.Equal("gauge", metrics.Types["imagefinder_inference_queue_depth"]);
        Assert.Equal("histogram", metrics.Types["imagefinder_decode_duration_seconds"]);
        Assert.Equal("histogram", metrics.Types["imagefinder_knn_duration_seconds"]);
        Assert.Equal("gauge", metrics.Types["imagefinder_collection_images"]);
        Assert.All(metrics.Matching("imagefinder_inference_queue_depth"), sample => Assert.True(sample.Value >= 0));
        // The health poll that made the fixture ready counted the collection, so the gauge has this store's series.
        var images = Assert.Single(metrics.Matching("imagefinder_collection_images", ("store", collection.StoreKind)));
        Assert.True(images.Value >= 0);
        Assert.All(metrics.Samples.Where(sample => sample.Name.StartsWith("imagefinder_", StringComparison.Ordinal)), sample => Assert.Equal(ImageFinderMeter.Name, sample.Labels["otel_scope_name"]));
    }

    [Fact]
    public async Task Liveness_answers_200_without_checking_anything()
    {
        using var response = await Client.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    private async Task<ScrapedMetrics> ScrapeAsync()
    {
        using var response = await Client.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return ScrapedMetrics.Parse(await response.Content.ReadAsStringAsync());
    }
}

/// <summary>The SQLite store: 16 images are searched exactly in the in-memory index.</summary>
[Collection(MetricsCollection.Name)]
public sealed class MetricsApiTestsOnSqlite(CollectionFixture collection) : MetricsApiTests(collection), IClassFixture<CollectionFixture>
{
    protected override string KnnMode => "exact";
}

/// <summary>A Garnet cluster: its vector sets answer, and the collection gauge counts the cluster's images.</summary>
[Collection(MetricsCollection.Name)]
public sealed class MetricsApiTestsOnGarnet(GarnetCollectionFixture collection) : MetricsApiTests(collection), IClassFixture<GarnetCollectionFixture>
{
    protected override string KnnMode => "garnet";
}
