using System.Security.Cryptography;
using ImageFinder.Download;
using ImageFinder.Inference;
using ImageFinder.Storage;

namespace ImageFinder.Ingestion;

/// <summary>
/// Adds single images sent over the API to the collection. The bytes are kept in an uploads folder under
/// their SHA-256 (<c>&lt;sha256&gt;.&lt;ext&gt;</c>), which is the image's source; the same bytes sent twice (or
/// bytes already ingested from a folder) give the existing image, never a duplicate. The image is embedded
/// before anything is written, the file is written atomically (temporary file, then rename), and the row and
/// vector are committed together, so a bad upload changes nothing. Each upload is counted in <see cref="IngestMetrics"/>.
/// </summary>
public sealed class UploadedImages
{
    private readonly IImageEmbedder embedder;
    private readonly IImageStore store;

    public UploadedImages(IImageEmbedder embedder, IImageStore store, string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        this.embedder = embedder;
        this.store = store;
        Folder = Path.GetFullPath(folder);
    }

    /// <summary>Where uploaded images are kept (absolute).</summary>
    public string Folder { get; }

    /// <summary>Embeds and stores <paramref name="bytes"/>; the stored image, and whether it was new.</summary>
    /// <exception cref="Imaging.ImageDecodeException">The bytes are not a usable image; nothing was written.</exception>
    /// <exception cref="InferenceBusyException">The inference queue is full; nothing was written.</exception>
    public async Task<(StoredImage Image, bool Created)> AddAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken = default)
    {
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(bytes.Span));
        if (await store.FindBySha256Async(sha256, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            IngestMetrics.Unchanged();
            return (existing, false);
        }

        ImageEmbedding embedding;
        try
        {
            embedding = await embedder.EmbedAsync(bytes, cancellationToken).ConfigureAwait(false);
        }
        catch (Imaging.ImageDecodeException)
        {
            IngestMetrics.Failed();
            throw;
        }

        var extension = ImageFormatSniffer.FromMagic(bytes.Span[..Math.Min(bytes.Length, ImageFormatSniffer.HeaderLength)]) ?? ".img";
        var path = Path.Combine(Folder, sha256 + extension);
        var createdFile = await WriteAtomicallyAsync(path, bytes, cancellationToken).ConfigureAwait(false);
        try
        {
            var record = new ImageRecord(
                path, sha256, bytes.Length, File.GetLastWriteTimeUtc(path), embedding.Size.Width, embedding.Size.Height, embedding.Vector);
            var (id, outcome) = (await store.WriteBatchAsync([record], CancellationToken.None).ConfigureAwait(false))[0];
            var image = await store.FindAsync(id, CancellationToken.None).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Image {id} vanished right after it was written.");
            if (outcome == WriteOutcome.Added)
            {
                IngestMetrics.Added();
            }
            else
            {
                IngestMetrics.Updated();
            }

            return (image, outcome == WriteOutcome.Added);
        }
        catch
        {
            if (createdFile)
            {
                File.Delete(path);
            }

            throw;
        }
    }

    /// <summary>Removes an image's row and vector together, and its file when it is an upload; false when there is no such image.</summary>
    public async Task<bool> DeleteAsync(long id, CancellationToken cancellationToken = default)
    {
        var image = await store.FindAsync(id, cancellationToken).ConfigureAwait(false);
        if (image is null || !await store.DeleteAsync(id, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        // Only files this class wrote are deleted; images ingested from a folder stay where the user keeps them.
        if (IsUpload(image.Source))
        {
            File.Delete(image.Source);
        }

        return true;
    }

    /// <summary>Whether <paramref name="source"/> is a file in <see cref="Folder"/>.</summary>
    public bool IsUpload(string source) =>
        Path.IsPathFullyQualified(source) && string.Equals(Path.GetDirectoryName(source), Folder, StringComparison.Ordinal);

    /// <summary>Writes the file unless it is already there; true when this call created it.</summary>
    private static async Task<bool> WriteAtomicallyAsync(string path, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        if (File.Exists(path) && new FileInfo(path).Length == bytes.Length)
        {
            return false;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            await using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
            return true;
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
