using ImageFinder.Storage;

namespace ImageFinder.Tests.Support;

/// <summary>A whole collection read into memory, and the check that two copies of one are the same rows and bit-identical vectors.</summary>
public static class StoredEntries
{
    public static async Task<List<StoredEntry>> ReadAllAsync(ICollectionReader reader)
    {
        var entries = new List<StoredEntry>();
        await foreach (var entry in reader.ReadAllAsync())
        {
            entries.Add(entry);
        }

        return entries;
    }

    public static void AssertSame(List<StoredEntry> expected, List<StoredEntry> actual)
    {
        Assert.Equal(expected.Select(e => e.Image), actual.Select(e => e.Image));
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.True(expected[i].Vector.AsSpan().SequenceEqual(actual[i].Vector), $"image {expected[i].Image.Id}'s vector differs");
        }
    }
}
