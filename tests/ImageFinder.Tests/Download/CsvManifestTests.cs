using ImageFinder.Download;

namespace ImageFinder.Tests.Download;

public sealed class CsvManifestTests
{
    [Fact]
    public void Headers_are_case_insensitive_optional_columns_are_read_and_others_ignored()
    {
        var rows = Read("Label, URL ,notes,FileName,Id\ncats,https://a.example/1.png,\"a, b\",one.png,7\n,https://a.example/2.png,,,\n");

        Assert.Equal(2, rows.Count);
        Assert.Equal(new DownloadRequest(2, "https://a.example/1.png", "7", "one.png", "cats"), rows[0]);
        Assert.Equal(new DownloadRequest(3, "https://a.example/2.png"), rows[1]);
    }

    [Fact]
    public void A_url_column_alone_is_enough_and_rows_with_an_empty_url_are_kept_to_be_reported()
    {
        var rows = Read("url\nhttps://a.example/1.png\n\"\"\nhttps://a.example/2.png\n");

        Assert.Equal(["https://a.example/1.png", string.Empty, "https://a.example/2.png"], rows.Select(r => r.Url));
    }

    [Fact]
    public void A_csv_without_a_url_column_is_a_clear_error()
    {
        var e = Assert.Throws<CsvManifestException>(() => Read("link,label\nhttps://a.example/1.png,cats\n"));

        Assert.Contains("no 'url' column", e.Message);
        Assert.Contains("'link'", e.Message);
    }

    [Fact]
    public void An_empty_csv_is_a_clear_error() =>
        Assert.Contains("empty", Assert.Throws<CsvManifestException>(() => Read(string.Empty)).Message);

    private static IReadOnlyList<DownloadRequest> Read(string text)
    {
        using var reader = new StringReader(text);
        return CsvManifest.Read(reader);
    }
}
