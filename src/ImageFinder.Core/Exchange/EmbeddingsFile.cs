using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using ImageFinder.Storage;

namespace ImageFinder.Exchange;

/// <summary>
/// The JSONL exchange format of <c>export</c> and <c>import</c>: a header line (format, version, model name, SHA-256 and
/// file, dimension, metric, the highest id ever used, the image count), then one object per image (id, source, label,
/// content hash, size, modification and added times, width, height, vector). Floats are written in their shortest
/// round-trip form, so a vector read back is bit for bit the one written.
/// </summary>
public static class EmbeddingsFile
{
    public const string Format = "imagefinder-embeddings";

    public const int Version = 1;

    /// <summary>Writes <paramref name="source"/>'s collection to <paramref name="path"/> (through a temporary file, renamed at the end), streamed: memory does not grow with the collection.</summary>
    /// <returns>The images written.</returns>
    public static async Task<long> ExportAsync(ICollectionReader source, string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var full = Path.GetFullPath(path);
        var temporary = full + ".partial";
        long written = 0;
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                var info = source.Collection;
                var fingerprints = await source.LoadFingerprintsAsync(cancellationToken).ConfigureAwait(false);
                await WriteLineAsync(stream, writer =>
                {
                    writer.WriteString("format", Format);
                    writer.WriteNumber("version", Version);
                    writer.WriteString("model", info.Model);
                    writer.WriteString("modelSha256", info.ModelSha256);
                    writer.WriteString("modelFile", info.ModelFile);
                    writer.WriteNumber("dimension", info.Dimension);
                    writer.WriteString("metric", info.Metric);
                    writer.WriteNumber("count", fingerprints.Count);
                }, cancellationToken).ConfigureAwait(false);
                var highWaterMark = await source.ReadIdHighWaterMarkAsync(cancellationToken).ConfigureAwait(false);
                await foreach (var (image, vector) in source.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    await WriteLineAsync(stream, writer => WriteImage(writer, image, vector), cancellationToken).ConfigureAwait(false);
                    written++;
                    if (written % 1024 == 0)
                    {
                        progress?.Report(written);
                    }
                }

                // The last line: the highest id ever used, read before the images, and how many lines came. A file cut
                // short has no trailer, which is how import tells it from a whole one.
                await WriteLineAsync(stream, writer =>
                {
                    writer.WriteNumber("idHighWaterMark", highWaterMark);
                    writer.WriteNumber("images", written);
                }, cancellationToken).ConfigureAwait(false);
            }

            File.Move(temporary, full, overwrite: true);
            progress?.Report(written);
            return written;
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Opens an export for import: reads it once to check every line (the error names the line) before anything is written anywhere.</summary>
    /// <exception cref="InvalidDataException">The file is not a whole export: malformed, truncated, or of another format.</exception>
    public static async Task<EmbeddingsFileReader> OpenAsync(string path, CancellationToken cancellationToken = default)
    {
        var full = Path.GetFullPath(path);
        var header = default(CollectionInfo);
        var fingerprints = new Dictionary<string, FileFingerprint>(StringComparer.Ordinal);
        long highWaterMark = -1, trailerImages = -1, lineNumber = 0, images = 0, lastId = 0;
        await foreach (var line in ReadLinesAsync(full, cancellationToken).ConfigureAwait(false))
        {
            lineNumber++;
            if (trailerImages >= 0)
            {
                throw Bad(full, lineNumber, "there is a line after the trailer");
            }

            try
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                if (lineNumber == 1)
                {
                    header = ReadHeader(root);
                }
                else if (root.TryGetProperty("idHighWaterMark", out var mark))
                {
                    highWaterMark = mark.GetInt64();
                    trailerImages = root.GetProperty("images").GetInt64();
                }
                else
                {
                    var (image, vector) = ReadImage(root, header!.Dimension);
                    if (image.Id <= lastId)
                    {
                        throw new FormatException($"image {image.Id} comes after image {lastId} (ids must increase)");
                    }

                    lastId = image.Id;
                    fingerprints[image.Source] = new FileFingerprint(image.Id, image.SizeBytes, image.Modified, image.Sha256);
                    images++;
                }
            }
            catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException or ArgumentException)
            {
                throw Bad(full, lineNumber, e.Message);
            }
        }

        if (header is null)
        {
            throw Bad(full, 1, "the file is empty");
        }

        if (trailerImages < 0)
        {
            throw Bad(full, lineNumber + 1, "the file ends without its trailer line: it is truncated");
        }

        if (trailerImages != images || fingerprints.Count != images)
        {
            throw Bad(full, lineNumber, $"the trailer says {trailerImages} images, the file holds {images} ({fingerprints.Count} distinct sources)");
        }

        return new EmbeddingsFileReader(full, header, fingerprints, Math.Max(highWaterMark, lastId));
    }

    internal static async IAsyncEnumerable<StoredEntry> ReadImagesAsync(string path, int dimension, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var first = true;
        await foreach (var line in ReadLinesAsync(path, cancellationToken).ConfigureAwait(false))
        {
            using var document = JsonDocument.Parse(line);
            if (first || document.RootElement.TryGetProperty("idHighWaterMark", out _))
            {
                first = false;
                continue;
            }

            var (image, vector) = ReadImage(document.RootElement, dimension);
            yield return new StoredEntry(image, vector);
        }
    }

    private static async IAsyncEnumerable<string> ReadLinesAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(path, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, new FileStreamOptions { BufferSize = 1 << 16, Options = FileOptions.Asynchronous | FileOptions.SequentialScan });
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            yield return line;
        }
    }

    private static CollectionInfo ReadHeader(JsonElement root)
    {
        if (root.GetProperty("format").GetString() != Format || root.GetProperty("version").GetInt32() != Version)
        {
            throw new FormatException($"the header is not that of an {Format} file of version {Version}");
        }

        var dimension = root.GetProperty("dimension").GetInt32();
        var metric = CollectionInfo.ParseMetric(root.GetProperty("metric").GetString())
            ?? throw new FormatException($"unknown metric '{root.GetProperty("metric").GetString()}'");
        return dimension < 1
            ? throw new FormatException($"dimension {dimension}")
            : new CollectionInfo(root.GetProperty("model").GetString()!, dimension, metric, OptionalString(root, "modelSha256"), OptionalString(root, "modelFile"));
    }

    private static (StoredImage Image, float[] Vector) ReadImage(JsonElement root, int dimension)
    {
        var values = root.GetProperty("vector");
        if (values.GetArrayLength() != dimension)
        {
            throw new FormatException($"the vector has {values.GetArrayLength()} values, the collection's are {dimension}-d");
        }

        var vector = new float[dimension];
        var i = 0;
        foreach (var value in values.EnumerateArray())
        {
            vector[i++] = value.GetSingle();
        }

        var id = root.GetProperty("id").GetInt64();
        if (id < 1)
        {
            throw new FormatException($"id {id}");
        }

        var image = new StoredImage(
            id,
            root.GetProperty("source").GetString() ?? throw new FormatException("no source"),
            root.GetProperty("sha256").GetString() ?? throw new FormatException("no sha256"),
            root.GetProperty("sizeBytes").GetInt64(),
            DateTimeOffset.Parse(root.GetProperty("modified").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
            root.GetProperty("width").GetInt32(),
            root.GetProperty("height").GetInt32(),
            DateTimeOffset.Parse(root.GetProperty("added").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind));
        return (image, vector);
    }

    private static void WriteImage(Utf8JsonWriter writer, StoredImage image, float[] vector)
    {
        writer.WriteNumber("id", image.Id);
        writer.WriteString("source", image.Source);
        writer.WriteString("label", ImageLabel.Of(image.Source));
        writer.WriteString("sha256", image.Sha256);
        writer.WriteNumber("sizeBytes", image.SizeBytes);
        writer.WriteString("modified", image.Modified.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
        writer.WriteNumber("width", image.Width);
        writer.WriteNumber("height", image.Height);
        writer.WriteString("added", image.Added.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture));
        writer.WriteStartArray("vector");
        foreach (var value in vector)
        {
            writer.WriteNumberValue(value);
        }

        writer.WriteEndArray();
    }

    private static async Task WriteLineAsync(Stream stream, Action<Utf8JsonWriter> body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        buffer.Position = 0;
        await buffer.CopyToAsync(stream, cancellationToken).ConfigureAwait(false);
    }

    private static string? OptionalString(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static InvalidDataException Bad(string path, long line, string reason) => new($"{path}, line {line}: {reason}. Nothing was imported.");
}

/// <summary>An export checked whole by <see cref="EmbeddingsFile.OpenAsync"/>, read as a collection to copy from (<see cref="CollectionMigration"/>).</summary>
public sealed class EmbeddingsFileReader : ICollectionReader
{
    private readonly Dictionary<string, FileFingerprint> fingerprints;
    private readonly long highWaterMark;

    internal EmbeddingsFileReader(string path, CollectionInfo collection, Dictionary<string, FileFingerprint> fingerprints, long highWaterMark)
    {
        Location = path;
        Collection = collection;
        this.fingerprints = fingerprints;
        this.highWaterMark = highWaterMark;
    }

    public string Location { get; }

    public CollectionInfo Collection { get; }

    public int Count => fingerprints.Count;

    public Task<Dictionary<string, FileFingerprint>> LoadFingerprintsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(new Dictionary<string, FileFingerprint>(fingerprints, StringComparer.Ordinal));

    public IAsyncEnumerable<StoredEntry> ReadAllAsync(CancellationToken cancellationToken = default) =>
        EmbeddingsFile.ReadImagesAsync(Location, Collection.Dimension, cancellationToken);

    public Task<long> ReadIdHighWaterMarkAsync(CancellationToken cancellationToken = default) => Task.FromResult(highWaterMark);
}
