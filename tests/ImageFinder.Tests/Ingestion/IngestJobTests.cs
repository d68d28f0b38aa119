using ImageFinder.Imaging;
using ImageFinder.Inference;
using ImageFinder.Ingestion;
using ImageFinder.Storage;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Ingestion;

public sealed class IngestJobTests : IDisposable
{
    private readonly TempFolder temp = new();
    private readonly OnnxImageEmbedder embedder = OnnxImageEmbedder.Load(TestModel.Options());
    private readonly VectorStore store;

    public IngestJobTests()
    {
        store = VectorStore.Open(temp.Combine("test.db"), new CollectionInfo(embedder.Model.Name, embedder.Model.Dimension));
    }

    private string Images => temp.Combine("images");

    [Fact]
    public async Task First_run_adds_every_image_and_a_second_run_adds_nothing()
    {
        TestImages.WriteCollection(Images, 12);

        var first = await Run();
        var runsAfterFirst = embedder.Queue.Statistics.Images;
        var second = await Run();

        Assert.Equal((12, 0, 0, 0), (first.Added, first.Updated, first.Unchanged, first.Failed));
        Assert.Equal((0, 0, 12, 0), (second.Added, second.Updated, second.Unchanged, second.Failed));
        Assert.Equal(runsAfterFirst, embedder.Queue.Statistics.Images);
        Assert.Equal(12, await store.CountAsync());
    }

    [Fact]
    public async Task A_changed_file_is_re_embedded_under_the_same_id()
    {
        var paths = TestImages.WriteCollection(Images, 4);
        await Run();
        var before = store.LoadFingerprints()[paths[0]];

        File.WriteAllBytes(paths[0], TestImages.Pattern(99, 300, 200));
        File.SetLastWriteTimeUtc(paths[0], DateTime.UtcNow.AddMinutes(1));
        var summary = await Run();

        var after = store.LoadFingerprints()[paths[0]];
        Assert.Equal((0, 1, 3), (summary.Added, summary.Updated, summary.Unchanged));
        Assert.Equal(before.Id, after.Id);
        Assert.NotEqual(before.Sha256, after.Sha256);
        var hits = await store.SearchAsync((await embedder.EmbedAsync(TestImages.Pattern(99, 300, 200))).Vector, 1);
        Assert.Equal(before.Id, hits[0].Id);
        Assert.Equal(4, await store.CountAsync());
    }

    [Fact]
    public async Task A_touched_file_with_the_same_bytes_is_not_embedded_again()
    {
        var paths = TestImages.WriteCollection(Images, 3);
        await Run();
        var inferred = embedder.Queue.Statistics.Images;

        File.SetLastWriteTimeUtc(paths[1], DateTime.UtcNow.AddHours(1));
        var summary = await Run();
        var third = await Run();

        Assert.Equal((0, 0, 3), (summary.Added, summary.Updated, summary.Unchanged));
        Assert.Equal(inferred, embedder.Queue.Statistics.Images);
        Assert.Equal(3, third.Unchanged);
    }

    [Fact]
    public async Task Broken_files_are_reported_with_a_reason_and_the_rest_is_ingested()
    {
        TestImages.WriteCollection(Images, 5);
        File.WriteAllText(Path.Combine(Images, "notes.jpg"), "this is text, not a JPEG");
        var truncated = TestImages.Pattern(7, 400, 300, EncodedFormat.Jpeg);
        File.WriteAllBytes(Path.Combine(Images, "truncated.jpg"), truncated[..(truncated.Length / 2)]);
        File.WriteAllBytes(Path.Combine(Images, "empty.png"), []);
        File.WriteAllText(Path.Combine(Images, "readme.txt"), "not an image extension: ignored");

        var summary = await Run();

        Assert.Equal(5, summary.Added);
        Assert.Equal(3, summary.Failed);
        Assert.Contains(summary.Failures, f => f.Path.EndsWith("notes.jpg") && f.Reason.Contains("known format"));
        // ImageFinder's own classification, not libvips' text: libvips keeps one error buffer per process, so under
        // concurrent decodes (other tests) its message can be another image's ("unable to write to memory").
        Assert.Contains(summary.Failures, f => f.Path.EndsWith("truncated.jpg") && f.Reason.StartsWith("The image data could not be decoded", StringComparison.Ordinal));
        Assert.Contains(summary.Failures, f => f.Path.EndsWith("empty.png") && f.Reason.Contains("empty"));
        Assert.Equal(5, await store.CountAsync());
    }

    [Fact]
    public async Task Every_ingested_image_finds_itself_first_at_distance_zero()
    {
        var paths = TestImages.WriteCollection(Images, 8);
        await Run();

        foreach (var path in paths)
        {
            var query = await embedder.EmbedAsync(await File.ReadAllBytesAsync(path));
            var hits = await store.SearchAsync(query.Vector, 3);
            Assert.Equal(path, hits[0].Source);
            Assert.True(hits[0].Distance < 1e-3f, $"distance {hits[0].Distance}");
            Assert.True(hits[1].Distance > hits[0].Distance);
        }
    }

    [Fact]
    public async Task Progress_is_reported_for_every_file()
    {
        TestImages.WriteCollection(Images, 6);
        var reports = new List<IngestProgress>();
        var progress = new SynchronousProgress<IngestProgress>(reports.Add);

        await new IngestJob(embedder, store).RunAsync(Images, progress);

        Assert.Equal(6, reports.Count);
        Assert.Equal(6, reports[^1].Done);
        Assert.Equal(6, reports[^1].Total);
    }

    [Fact]
    public void Hidden_files_and_other_extensions_are_not_scanned()
    {
        TestImages.WriteCollection(Images, 2);
        Directory.CreateDirectory(Path.Combine(Images, ".cache"));
        File.WriteAllBytes(Path.Combine(Images, ".cache", "thumb.png"), TestImages.Pattern(1, 32, 32));
        File.WriteAllBytes(Path.Combine(Images, ".hidden.png"), TestImages.Pattern(1, 32, 32));
        File.WriteAllText(Path.Combine(Images, "data.csv"), "a,b");
        Directory.CreateDirectory(Path.Combine(Images, "sub", "deeper"));
        File.WriteAllBytes(Path.Combine(Images, "sub", "deeper", "x.JPG"), TestImages.Pattern(1, 32, 32, EncodedFormat.Jpeg));

        var files = FolderScanner.Scan(Images);

        Assert.Equal(3, files.Count);
        Assert.Contains(files, f => f.Path.EndsWith(Path.Combine("deeper", "x.JPG")));
    }

    public void Dispose()
    {
        store.Dispose();
        embedder.Dispose();
        temp.Dispose();
    }

    private Task<IngestSummary> Run() => new IngestJob(embedder, store).RunAsync(Images);
}
