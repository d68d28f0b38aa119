using System.Runtime.InteropServices;

namespace ImageFinder.Index;

/// <summary>
/// The rows of one cell of a <see cref="VectorIndex"/>, column by column: image ids, the database version each row
/// was read at, residuals and 8-bit codes. Rows are unordered; removing one moves the last row into its slot.
/// Grows by half its size, so at most a third of its memory is slack.
/// </summary>
internal sealed class PostingList
{
    private readonly int dimension;

    public PostingList(int dimension, int capacity = 0)
    {
        this.dimension = dimension;
        Ids = new long[capacity];
        Versions = new long[capacity];
        Residuals = new float[capacity];
        Codes = new sbyte[(long)capacity * dimension];
    }

    public int Dimension => dimension;

    public long[] Ids { get; private set; }

    public long[] Versions { get; private set; }

    public float[] Residuals { get; private set; }

    public sbyte[] Codes { get; private set; }

    public int Count { get; private set; }

    public long Bytes => (Ids.Length * (sizeof(long) + sizeof(long) + sizeof(float))) + Codes.LongLength;

    public Span<sbyte> Code(int slot) => MemoryMarshal.CreateSpan(ref Codes[(long)slot * dimension], dimension);

    /// <summary>Appends a row and returns its slot; the caller writes its code.</summary>
    public int Add(long id, long version, float residual)
    {
        if (Count == Ids.Length)
        {
            Grow(Math.Max(16, Count + (Count / 2)));
        }

        Ids[Count] = id;
        Versions[Count] = version;
        Residuals[Count] = residual;
        return Count++;
    }

    public void Set(int slot, long version, float residual)
    {
        Versions[slot] = version;
        Residuals[slot] = residual;
    }

    /// <summary>Removes the row in <paramref name="slot"/>; returns the id of the row moved into it, or null when it was the last.</summary>
    public long? RemoveAt(int slot)
    {
        var last = Count - 1;
        Count = last;
        if (slot == last)
        {
            return null;
        }

        Ids[slot] = Ids[last];
        Versions[slot] = Versions[last];
        Residuals[slot] = Residuals[last];
        Code(last).CopyTo(Code(slot));
        return Ids[slot];
    }

    /// <summary>A copy holding exactly the rows.</summary>
    public PostingList Clone()
    {
        var copy = new PostingList(dimension, Count);
        Array.Copy(Ids, copy.Ids, Count);
        Array.Copy(Versions, copy.Versions, Count);
        Array.Copy(Residuals, copy.Residuals, Count);
        Array.Copy(Codes, copy.Codes, (long)Count * dimension);
        copy.Count = Count;
        return copy;
    }

    /// <summary>Makes room for <paramref name="capacity"/> rows (used when loading, to allocate once).</summary>
    public void Reserve(int capacity)
    {
        if (capacity > Ids.Length)
        {
            Grow(capacity);
        }
    }

    /// <summary>Sets the row count after the columns were filled directly (loading).</summary>
    public void SetCount(int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Ids.Length);
        Count = count;
    }

    private void Grow(int capacity)
    {
        var ids = new long[capacity];
        var versions = new long[capacity];
        var residuals = new float[capacity];
        var codes = new sbyte[(long)capacity * dimension];
        Ids.AsSpan(0, Count).CopyTo(ids);
        Versions.AsSpan(0, Count).CopyTo(versions);
        Residuals.AsSpan(0, Count).CopyTo(residuals);
        Array.Copy(Codes, codes, (long)Count * dimension);
        (Ids, Versions, Residuals, Codes) = (ids, versions, residuals, codes);
    }
}
