using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;
using ImageFinder.Storage;

namespace ImageFinder.Index;

/// <summary>
/// A <see cref="VectorIndex"/> on disk, beside its database (<c>&lt;database&gt;.index</c>), so a restart loads it
/// instead of reading every vector again and re-training. Little-endian binary: a magic and format number; the
/// database's collection id, model, metric and dimension; the collection version it reflects; the quantizer; the
/// k-means centres (if trained); then every cell's ids, row versions, residuals and codes; last, an XXH3 checksum of
/// everything before it. Written to a temporary file that replaces the old one only when complete. A file that is
/// short, damaged, of another format or for another database is refused, and the caller builds a new index.
/// </summary>
internal static class IndexFile
{
    private const int Format = 1;
    private static readonly byte[] Magic = "IFINDEX\n"u8.ToArray();

    public static string PathFor(string databasePath) => databasePath + ".index";

    public static void Write(string path, VectorIndex index)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                var hash = new XxHash3();
                using (var writer = new BinaryWriter(new HashingStream(file, hash), Encoding.UTF8, leaveOpen: true))
                {
                    writer.Write(Magic);
                    writer.Write(Format);
                    writer.Write(index.CollectionId);
                    writer.Write(index.Quantizer.Metric);
                    writer.Write(index.Dimension);
                    writer.Write(index.Version);
                    writer.Write(index.TrainedCount);
                    writer.Write(MemoryMarshal.AsBytes(index.Quantizer.Mean.AsSpan()));
                    writer.Write(MemoryMarshal.AsBytes(index.Quantizer.Scale.AsSpan()));
                    writer.Write(index.Centres is not null);
                    writer.Write(index.CellCount);
                    if (index.Centres is not null)
                    {
                        writer.Write(MemoryMarshal.AsBytes(index.Centres.AsSpan()));
                    }

                    foreach (var cell in index.Cells)
                    {
                        writer.Write(cell.Count);
                        writer.Write(MemoryMarshal.AsBytes(cell.Ids.AsSpan(0, cell.Count)));
                        writer.Write(MemoryMarshal.AsBytes(cell.Versions.AsSpan(0, cell.Count)));
                        writer.Write(MemoryMarshal.AsBytes(cell.Residuals.AsSpan(0, cell.Count)));
                        writer.Write(MemoryMarshal.AsBytes(cell.Codes.AsSpan(0, checked(cell.Count * index.Dimension))));
                    }
                }

                file.Write(BitConverter.GetBytes(hash.GetCurrentHashAsUInt64()));
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>The index in <paramref name="path"/>, or null with the reason it cannot be used for <paramref name="collection"/>.</summary>
    public static LoadedIndex? Read(string path, CollectionInfo collection, out string reason)
    {
        if (!File.Exists(path))
        {
            reason = "there is none";
            return null;
        }

        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            var hash = new XxHash3();
            var hashed = new HashingStream(file, hash, file.Length - sizeof(ulong));
            using var reader = new BinaryReader(hashed, Encoding.UTF8, leaveOpen: true);
            if (!reader.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic) || reader.ReadInt32() != Format)
            {
                reason = "it is not an index file of this version";
                return null;
            }

            var collectionId = reader.ReadString();
            var metric = reader.ReadString();
            var dimension = reader.ReadInt32();
            if (metric != collection.Metric || dimension != collection.Dimension)
            {
                reason = $"it was written for {dimension}-d vectors under the {metric} metric";
                return null;
            }

            var version = reader.ReadInt64();
            var trainedCount = reader.ReadInt32();
            var mean = ReadArray<float>(hashed, dimension);
            var scale = ReadArray<float>(hashed, dimension);
            var trained = reader.ReadBoolean();
            var cellCount = reader.ReadInt32();
            if (cellCount < 0 || cellCount > 1 << 24)
            {
                reason = "it is damaged";
                return null;
            }

            var centres = trained ? ReadArray<float>(hashed, checked(cellCount * dimension)) : null;
            var cells = new List<PostingList>(cellCount);
            for (var c = 0; c < cellCount; c++)
            {
                var count = reader.ReadInt32();
                if (count < 0 || (long)count * dimension > hashed.Remaining)
                {
                    reason = "it is damaged";
                    return null;
                }

                var cell = new PostingList(dimension, count);
                hashed.ReadExactly(MemoryMarshal.AsBytes(cell.Ids.AsSpan(0, count)));
                hashed.ReadExactly(MemoryMarshal.AsBytes(cell.Versions.AsSpan(0, count)));
                hashed.ReadExactly(MemoryMarshal.AsBytes(cell.Residuals.AsSpan(0, count)));
                hashed.ReadExactly(MemoryMarshal.AsBytes(cell.Codes.AsSpan(0, checked(count * dimension))));
                cell.SetCount(count);
                cells.Add(cell);
            }

            if (hashed.Remaining != 0)
            {
                reason = "it is damaged";
                return null;
            }

            Span<byte> stored = stackalloc byte[sizeof(ulong)];
            file.ReadExactly(stored);
            if (BitConverter.ToUInt64(stored) != hash.GetCurrentHashAsUInt64())
            {
                reason = "its checksum does not match (damaged)";
                return null;
            }

            reason = "loaded";
            return new LoadedIndex(collectionId, new ScalarQuantizer(mean, scale, metric), centres, cells, version, trainedCount);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or OverflowException or ArgumentException or OutOfMemoryException or FormatException)
        {
            reason = $"it could not be read ({e.GetType().Name}: {e.Message})";
            return null;
        }
    }

    private static T[] ReadArray<T>(Stream stream, int length)
        where T : unmanaged
    {
        var array = new T[length];
        stream.ReadExactly(MemoryMarshal.AsBytes(array.AsSpan()));
        return array;
    }

    internal sealed record LoadedIndex(string CollectionId, ScalarQuantizer Quantizer, float[]? Centres, List<PostingList> Cells, long Version, int TrainedCount);

    /// <summary>Passes bytes through to <paramref name="inner"/> and into the hash; when reading, stops at <paramref name="length"/> (the checksum follows).</summary>
    private sealed class HashingStream(Stream inner, XxHash3 hash, long length = long.MaxValue) : Stream
    {
        private long position;

        public long Remaining => length - position;

        public override bool CanRead => inner.CanRead;

        public override bool CanSeek => false;

        public override bool CanWrite => inner.CanWrite;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var wanted = (int)Math.Min(buffer.Length, Remaining);
            var read = inner.Read(buffer[..wanted]);
            hash.Append(buffer[..read]);
            position += read;
            return read;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            hash.Append(buffer);
            position += buffer.Length;
        }

        public override void Flush() => inner.Flush();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
