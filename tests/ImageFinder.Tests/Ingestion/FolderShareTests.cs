using ImageFinder.Ingestion;

namespace ImageFinder.Tests.Ingestion;

public sealed class FolderShareTests
{
    [Theory]
    [InlineData("1/1", 1, 1)]
    [InlineData("2/4", 2, 4)]
    [InlineData("4/4", 4, 4)]
    public void Parses_I_of_N(string text, int index, int count) =>
        Assert.Equal(new FolderShare(index, count), FolderShare.Parse(text).Share);

    [Theory]
    [InlineData("0/4")]
    [InlineData("5/4")]
    [InlineData("1/0")]
    [InlineData("1")]
    [InlineData("a/b")]
    [InlineData("-1/2")]
    [InlineData("1/2/3")]
    public void Refuses_anything_else_naming_the_option(string text)
    {
        var (share, error) = FolderShare.Parse(text);

        Assert.Null(share);
        Assert.StartsWith("--shard:", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_shares_of_a_folder_are_disjoint_cover_it_and_do_not_depend_on_where_it_is_mounted()
    {
        var relative = Enumerable.Range(0, 400).Select(i => Path.Combine($"class{i % 7}", $"img{i}.jpg")).ToList();
        var shares = Enumerable.Range(1, 4).Select(i => new FolderShare(i, 4)).ToList();

        foreach (var path in relative)
        {
            var here = shares.Where(s => s.Includes("/mnt/a", Path.Combine("/mnt/a", path))).ToList();
            var there = shares.Where(s => s.Includes("/data/photos", Path.Combine("/data/photos", path))).ToList();
            Assert.Single(here);
            Assert.Equal(here, there);
        }

        // Roughly even: every share gets some of 400 files.
        Assert.All(shares, s => Assert.InRange(relative.Count(p => s.Includes("/x", Path.Combine("/x", p))), 60, 140));
    }
}
