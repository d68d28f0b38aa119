using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using ImageFinder.Storage;

namespace ImageFinder.Exchange;

/// <summary>
/// The JSONL exchange format of <c>export</c> and <c>import</c>: a header line (format, version, model name, SHA-256 and
/// file, dimension, metric), one object per image (id, source, label, content hash, size, modification and added
/// times, width, height, vector), and a trailer line (the highest id ever used, the image count). Floats are written in their shortest
/// round-trip form, so a vector read back is bit for bit the one written.
/// </summary>
public static class EmbeddingsFile
{
    public const string Format = "imagefinder-embeddings";

    public const int Version = 1;

    /// <summary>The JSONL sidecar that holds everything but the vectors of an npy export at <paramref name="matrix"/>.</summary>
    public static string SidecarOf(string matrix) => matrix + ".jsonl";

    /// <summary>
    /// Writes <paramref name="source"/>'s collection to <paramref name="path"/> (through temporary files, renamed at the
    /// end), streamed: memory does not grow with the collection. With <paramref name="npy"/>, <paramref name="path"/> is a
    /// float32 matrix in NumPy's .npy format (row i = image i of the sidecar, <see cref="SidecarOf"/>), and the JSONL
    /// sidecar holds the rest.
    /// </summary>
    /// <returns>The images written.</returns>
    public static async Task<long> ExportAsync(ICollectionReader source, string path, IProgress<long>? progress = null, CancellationToken cancellationToken = default, bool npy = false)
    {
        ArgumentNullException.ThrowIfNull(source);
        var full = Path.GetFullPath(path);
        var lines = npy ? SidecarOf(full) : full;
        var temporary = lines + ".partial";
        var matrixTemporary = full + ".partial";
        long written = 0;
        try
        {
            await using (var matrix = npy ? new FileStream(matrixTemporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true) : null)
            await using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                if (matrix is not null)
                {
                    await matrix.WriteAsync(NpyHeader(0, source.Collection.Dimension), cancellationToken).ConfigureAwait(false);
                }

                var info = source.Collection;
                await WriteLineAsync(stream, writer =>
                {
                    writer.WriteString("format", Format);
                    writer.WriteNumber("version", Version);
                    writer.WriteString("model", info.Model);
                    writer.WriteString("modelSha256", info.ModelSha256);
                    writer.WriteString("modelFile", info.ModelFile);
                    writer.WriteNumber("dimension", info.Dimension);
                    writer.WriteString("metric", info.Metric);
                    if (matrix is not null)
                    {
                        writer.WriteString("vectors", Path.GetFileName(full));
                    }
                }, cancellationToken).ConfigureAwait(false);
                var highWaterMark = await source.ReadIdHighWaterMarkAsync(cancellationToken).ConfigureAwait(false);
                await foreach (var (image, vector) in source.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    await WriteLineAsync(stream, writer => WriteImage(writer, image, matrix is null ? vector : null), cancellationToken).ConfigureAwait(false);
                    if (matrix is not null)
                    {
                        await matrix.WriteAsync(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.AsSpan()).ToArray(), cancellationToken).ConfigureAwait(false);
                    }

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
                if (matrix is not null)
                {
                    // The row count is known now: the header is rewritten in place (it is padded to a fixed length).
                    matrix.Position = 0;
                    await matrix.WriteAsync(NpyHeader(written, source.Collection.Dimension), cancellationToken).ConfigureAwait(false);
                }
            }

            if (npy)
            {
                File.Move(matrixTemporary, full, overwrite: true);
            }

            File.Move(temporary, lines, overwrite: true);
            progress?.Report(written);
            return written;
        }
        catch
        {
            File.Delete(temporary);
            File.Delete(matrixTemporary);
            throw;
        }
    }

    /// <summary>Opens an export for import: reads it once to check every line (the error names the line) before anything is written anywhere.</summary>
    /// <exception cref="InvalidDataException">The file is not a whole export: malformed, truncated, or of another format.</exception>
    public static async Task<EmbeddingsFileReader> OpenAsync(string path, CancellationToken cancellationToken = default)
    {
        var given = Path.GetFullPath(path);
        var npy = given.EndsWith(".npy", StringComparison.OrdinalIgnoreCase);
        var full = npy ? SidecarOf(given) : given;
        if (npy && !File.Exists(full))
        {
            throw new InvalidDataException($"{given} has no sidecar {full} (export --format npy writes both). Nothing was imported.");
        }

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
                    var image = ReadImage(root, header!.Dimension, withVector: !npy).Image;
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

        var matrixOffset = npy ? CheckMatrix(given, images, header.Dimension) : -1;
        return new EmbeddingsFileReader(full, header, fingerprints, Math.Max(highWaterMark, lastId), npy ? given : null, matrixOffset);
    }

    internal static async IAsyncEnumerable<StoredEntry> ReadImagesAsync(string path, int dimension, string? matrixPath, long matrixOffset, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var first = true;
        await using var matrix = matrixPath is null ? null : new FileStream(matrixPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
        matrix?.Seek(matrixOffset, SeekOrigin.Begin);
        var row = new byte[dimension * sizeof(float)];
        await foreach (var line in ReadLinesAsync(path, cancellationToken).ConfigureAwait(false))
        {
            using var document = JsonDocument.Parse(line);
            if (first || document.RootElement.TryGetProperty("idHighWaterMark", out _))
            {
                first = false;
                continue;
            }

            var (image, vector) = ReadImage(document.RootElement, dimension, withVector: matrix is null);
            if (matrix is not null)
            {
                await matrix.ReadExactlyAsync(row, cancellationToken).ConfigureAwait(false);
                vector = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(row).ToArray();
            }

            yield return new StoredEntry(image, vector!);
        }
    }

    /// <summary>An npy header for a C-order float32 matrix of <paramref name="rows"/> × <paramref name="columns"/>, padded to 128 bytes whatever the row count.</summary>
    private static byte[] NpyHeader(long rows, int columns)
    {
        const int Total = 128;
        var dictionary = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows.ToString(CultureInfo.InvariantCulture)}, {columns.ToString(CultureInfo.InvariantCulture)}), }}";
        var text = dictionary.PadRight(Total - 10 - 1) + "\n";
        var header = new byte[Total];
        header[0] = 0x93;
        Encoding.ASCII.GetBytes("NUMPY", header.AsSpan(1));
        header[6] = 1;
        header[7] = 0;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), (ushort)text.Length);
        Encoding.ASCII.GetBytes(text, header.AsSpan(10));
        return header;
    }

    /// <summary>Checks an npy file holds a C-order float32 matrix of <paramref name="rows"/> × <paramref name="columns"/> and nothing more; the offset of its first row.</summary>
    private static long CheckMatrix(string path, long rows, int columns)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        Span<byte> start = stackalloc byte[12];
        if (file.Read(start) < 10 || start[0] != 0x93 || !start[1..6].SequenceEqual("NUMPY"u8) || start[6] is not (1 or 2 or 3))
        {
            throw new InvalidDataException($"{path} is not a NumPy .npy file. Nothing was imported.");
        }

        var lengthBytes = start[6] == 1 ? 2 : 4;
        var headerLength = lengthBytes == 2 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt16LittleEndian(start[8..]) : (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(start[8..]);
        var offset = 8 + lengthBytes + headerLength;
        var header = new byte[headerLength];
        file.Position = 8 + lengthBytes;
        file.ReadExactly(header);
        var text = Encoding.Latin1.GetString(header);
        var shape = System.Text.RegularExpressions.Regex.Match(text, @"'shape':\s*\((\d+),\s*(\d+),?\s*\)");
        if (!text.Contains("'descr': '<f4'", StringComparison.Ordinal) || !text.Contains("'fortran_order': False", StringComparison.Ordinal) || !shape.Success)
        {
            throw new InvalidDataException($"{path} is not a C-order float32 matrix ({text.Trim()}). Nothing was imported.");
        }

        var (n, d) = (long.Parse(shape.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(shape.Groups[2].Value, CultureInfo.InvariantCulture));
        if (n != rows || d != columns || file.Length != offset + (rows * columns * sizeof(float)))
        {
            throw new InvalidDataException($"{path} holds {n} × {d} floats in {file.Length} bytes; its sidecar says {rows} images of {columns} dimensions. Nothing was imported.");
        }

        return offset;
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

    private static (StoredImage Image, float[]? Vector) ReadImage(JsonElement root, int dimension, bool withVector)
    {
        float[]? vector = null;
        if (withVector)
        {
            var values = root.GetProperty("vector");
            if (values.GetArrayLength() != dimension)
            {
                throw new FormatException($"the vector has {values.GetArrayLength()} values, the collection's are {dimension}-d");
            }

            vector = new float[dimension];
            var i = 0;
            foreach (var value in values.EnumerateArray())
            {
                vector[i++] = value.GetSingle();
            }
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

    private static void WriteImage(Utf8JsonWriter writer, StoredImage image, float[]? vector)
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
        if (vector is null)
        {
            return;
        }

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

    private readonly string? matrix;
    private readonly long matrixOffset;

    internal EmbeddingsFileReader(string path, CollectionInfo collection, Dictionary<string, FileFingerprint> fingerprints, long highWaterMark, string? matrix, long matrixOffset)
    {
        this.matrix = matrix;
        this.matrixOffset = matrixOffset;
        Location = matrix ?? path;
        Lines = path;
        Collection = collection;
        this.fingerprints = fingerprints;
        this.highWaterMark = highWaterMark;
    }

    public string Location { get; }

    /// <summary>The JSONL file (the export itself, or an npy export's sidecar).</summary>
    public string Lines { get; }

    public CollectionInfo Collection { get; }

    public int Count => fingerprints.Count;

    public Task<Dictionary<string, FileFingerprint>> LoadFingerprintsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(new Dictionary<string, FileFingerprint>(fingerprints, StringComparer.Ordinal));

    public IAsyncEnumerable<StoredEntry> ReadAllAsync(CancellationToken cancellationToken = default) =>
        EmbeddingsFile.ReadImagesAsync(Lines, Collection.Dimension, matrix, matrixOffset, cancellationToken);

    public Task<long> ReadIdHighWaterMarkAsync(CancellationToken cancellationToken = default) => Task.FromResult(highWaterMark);
}
