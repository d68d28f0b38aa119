using System.Text;
using ImageFinder.Download;

namespace ImageFinder.Tests.Download;

public sealed class FileNamerTests
{
    [Theory]
    [InlineData("../../etc/passwd", "etc_passwd")]
    [InlineData("..\\evil.jpg", "evil.jpg")]
    [InlineData("/etc/shadow", "etc_shadow")]
    [InlineData("C:\\Windows\\win.ini", "C_Windows_win.ini")]
    [InlineData("a\u0000b\nc\td", "a_b_c_d")]
    [InlineData("\u202Egpj.exe", "gpj.exe")]
    [InlineData(".hidden.png", "hidden.png")]
    [InlineData("-rf.png", "rf.png")]
    [InlineData("cat....jpg", "cat.jpg")]
    [InlineData("photo of a cat.jpg", "photo of a cat.jpg")]
    [InlineData("trailing. . ", "trailing")]
    [InlineData("chat_été.webp", "chat_été.webp")]
    [InlineData("...", "")]
    [InlineData("../", "")]
    [InlineData("   ", "")]
    [InlineData(null, "")]
    public void Sanitize_removes_everything_that_could_escape_or_hide(string? raw, string expected) =>
        Assert.Equal(expected, FileNamer.Sanitize(raw));

    [Fact]
    public void Sanitized_names_are_bounded_in_characters_and_bytes_without_splitting_characters()
    {
        var ascii = FileNamer.Sanitize(new string('a', 5000) + ".jpg");
        var accented = FileNamer.Sanitize(string.Concat(Enumerable.Repeat("é", 500)));
        var emoji = FileNamer.Sanitize(string.Concat(Enumerable.Repeat("😀", 500)));

        Assert.Equal(FileNamer.MaxLength, ascii.Length);
        Assert.True(Encoding.UTF8.GetByteCount(accented) <= FileNamer.MaxUtf8Bytes);
        Assert.True(Encoding.UTF8.GetByteCount(emoji) <= FileNamer.MaxUtf8Bytes);
        Assert.False(char.IsHighSurrogate(emoji[^1]));
        Assert.Equal(emoji, Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(emoji)));
    }

    [Fact]
    public void The_name_comes_from_filename_then_id_then_the_url_and_loses_its_image_extension()
    {
        var plan = FileNamer.Plan(
        [
            new DownloadRequest(2, "https://example.com/a/one.png", Id: "id-1", FileName: "Named.JPEG"),
            new DownloadRequest(3, "https://example.com/a/two.png", Id: "id-2"),
            new DownloadRequest(4, "https://example.com/a/three.webp?size=large"),
            new DownloadRequest(5, "https://example.com/"),
            new DownloadRequest(6, "https://example.com/files/%2e%2e%2fescape.png"),
        ]);

        Assert.Equal(
            ["Named", "id-2", "three", "image-" + FileNamer.ShortHash(new Uri("https://example.com/")), "escape"],
            plan.Items.Select(item => item.Stem));
    }

    [Fact]
    public void Colliding_names_get_the_url_hash_in_row_order_and_the_plan_is_deterministic()
    {
        DownloadRequest[] rows =
        [
            new(2, "https://a.example/cat.jpg"),
            new(3, "https://b.example/cat.png"),
            new(4, "https://c.example/x", FileName: "CAT.webp"),
            new(5, "https://d.example/cat.jpg", Label: "pets"),
        ];

        var first = FileNamer.Plan(rows);
        var second = FileNamer.Plan(rows);

        Assert.Equal(
            ["cat", "cat-" + FileNamer.ShortHash(new Uri("https://b.example/cat.png")), "CAT-" + FileNamer.ShortHash(new Uri("https://c.example/x")), "cat"],
            first.Items.Select(item => item.Stem));
        Assert.Equal("pets", first.Items[3].Folder);
        Assert.Equal(first.Items, second.Items);
    }

    [Fact]
    public void A_name_equal_to_a_hashed_name_is_still_told_apart()
    {
        var hash = FileNamer.ShortHash(new Uri("https://b.example/cat.png"));
        var plan = FileNamer.Plan(
        [
            new DownloadRequest(2, "https://a.example/cat.png"),
            new DownloadRequest(3, "https://x.example/y", FileName: $"cat-{hash}"),
            new DownloadRequest(4, "https://b.example/cat.png"),
        ]);

        Assert.Equal(["cat", $"cat-{hash}", $"cat-{hash}-2"], plan.Items.Select(item => item.Stem));
    }

    [Fact]
    public void Labels_are_sanitised_and_merged_case_insensitively_and_duplicate_rows_are_dropped()
    {
        var plan = FileNamer.Plan(
        [
            new DownloadRequest(2, "https://a.example/1.png", Label: "Cats"),
            new DownloadRequest(3, "https://a.example/2.png", Label: "cats"),
            new DownloadRequest(4, "https://a.example/3.png", Label: "../../outside"),
            new DownloadRequest(5, "https://a.example/1.png", Label: "CATS"),
            new DownloadRequest(6, "https://a.example/1.png"),
        ]);

        Assert.Equal(["Cats", "Cats", "outside", string.Empty], plan.Items.Select(item => item.Folder));
        Assert.Equal(1, plan.Duplicates);
    }

    [Fact]
    public void Unusable_urls_stay_in_the_plan_with_their_problem()
    {
        var plan = FileNamer.Plan(
        [
            new DownloadRequest(2, "ftp://example.com/a.png"),
            new DownloadRequest(3, "file:///etc/passwd"),
            new DownloadRequest(4, "not a url"),
            new DownloadRequest(5, string.Empty),
        ]);

        Assert.All(plan.Items, item => Assert.Null(item.Uri));
        Assert.Contains("scheme", plan.Items[0].Problem);
        Assert.Contains("scheme", plan.Items[1].Problem);
        Assert.Contains("not an absolute URL", plan.Items[2].Problem);
        Assert.Contains("empty", plan.Items[3].Problem);
    }

    [Fact]
    public void No_hostile_name_or_label_leads_outside_the_output_folder()
    {
        string[] hostile =
        [
            "../../etc/passwd", "..\\..\\evil.jpg", "/abs/x.png", "..", ".", "....//....//x", "%2e%2e%2fx", "a/../../b",
            "\u0000", "con", "~/x", "x\r\n../y", new string('.', 300), "..\u2215..\u2215x",
        ];
        var root = Path.GetFullPath(Path.Combine(Path.GetTempPath(), "out"));
        var rows = hostile.Select((name, i) => new DownloadRequest(i + 2, $"https://example.com/{Uri.EscapeDataString(name)}", FileName: name, Label: name)).ToList();

        foreach (var item in FileNamer.Plan(rows).Items)
        {
            var path = Path.GetFullPath(Path.Combine(root, item.Folder, item.Stem + ".png"));
            Assert.StartsWith(root + Path.DirectorySeparatorChar, path);
            Assert.DoesNotContain(Path.DirectorySeparatorChar, item.Stem);
            Assert.False(item.Stem.StartsWith('.'));
            Assert.True(item.Stem.Length is > 0 and <= FileNamer.MaxLength + 12);
        }
    }
}
