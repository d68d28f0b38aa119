using System.Globalization;
using ImageFinder.Bench.Support;
using ImageFinder.Imaging;
using ImageFinder.Inference;
using ImageFinder.Ingestion;
using ImageFinder.Storage;

namespace ImageFinder.Bench.Load;

/// <summary>
/// The collection the load run searches: distinct photo-like 320x240 JPEGs (<see cref="TestImageFactory.Pixels"/>)
/// ingested by the real ingest job with the given model, and query images made from some of them (smaller
/// re-encoded copies, as a user's photo of the same thing would be). Kept in bench/work/load-v1 and reused.
/// </summary>
internal sealed record LoadCollection(string Database, long Count, IReadOnlyList<byte[]> Queries)
{
    public const int Width = 320;
    public const int Height = 240;
    public const int QueryCount = 16;

    public static async Task<LoadCollection> EnsureAsync(string work, string modelPath, int images)
    {
        var folder = Path.Combine(work, "images-" + images.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(folder);
        var paths = Enumerable.Range(0, images).Select(i => Path.Combine(folder, $"photo-{i.ToString("D5", CultureInfo.InvariantCulture)}.jpg")).ToList();
        var missing = paths.Where(path => !File.Exists(path)).ToList();
        if (missing.Count > 0)
        {
            BenchLog.Info($"load: generating {missing.Count} images in {folder}");
            Parallel.ForEach(missing, path =>
            {
                var seed = 7_000 + int.Parse(Path.GetFileNameWithoutExtension(path)["photo-".Length..], CultureInfo.InvariantCulture);
                var jpeg = ImageEncoder.Encode(TestImageFactory.Pixels(seed, Width, Height), Width, Height, 3, EncodedFormat.Jpeg, TestImageFactory.Quality);
                File.WriteAllBytes(path + ".tmp", jpeg);
                File.Move(path + ".tmp", path, overwrite: true);
            });
        }

        var database = Path.Combine(work, $"collection-{images.ToString(CultureInfo.InvariantCulture)}.db");
        using (var embedder = OnnxImageEmbedder.Load(new EmbedderOptions { ModelPath = modelPath }))
        using (var store = VectorStore.Open(database, new CollectionInfo(embedder.Model.Name, embedder.Model.Dimension)))
        {
            var summary = await new IngestJob(embedder, store).RunAsync(folder);
            BenchLog.Info($"load: collection {database}: {summary.Added} added, {summary.Unchanged} unchanged, {summary.Failed} failed");
            if (summary.Failed > 0)
            {
                throw new InvalidOperationException($"{summary.Failed} generated images failed to ingest: {summary.Failures[0].Reason}");
            }
        }

        var queries = paths.Take(QueryCount)
            .Select(path => ImageEncoder.Thumbnail(File.ReadAllBytes(path), 200, EncodedFormat.Jpeg, quality: 80))
            .ToList();
        return new LoadCollection(database, images, queries);
    }
}
