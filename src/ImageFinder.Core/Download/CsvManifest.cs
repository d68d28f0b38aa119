using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;

namespace ImageFinder.Download;

/// <summary>
/// Reads the CSV that lists the images to download. A <c>url</c> column is required; <c>id</c>,
/// <c>filename</c> and <c>label</c> are optional; header names are matched case-insensitively and other
/// columns are ignored. Values are trimmed. A row with an empty URL is kept, so that it is reported.
/// </summary>
public static class CsvManifest
{
    public const string UrlColumn = "url";
    public const string IdColumn = "id";
    public const string FileNameColumn = "filename";
    public const string LabelColumn = "label";

    /// <summary>Reads every row of the CSV file at <paramref name="path"/>.</summary>
    /// <exception cref="CsvManifestException">The file is empty, has no <c>url</c> column, or is not readable CSV.</exception>
    public static IReadOnlyList<DownloadRequest> Read(string path)
    {
        using var reader = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
        return Read(reader);
    }

    /// <summary>Reads every row of a CSV text.</summary>
    /// <exception cref="CsvManifestException">The text is empty, has no <c>url</c> column, or is not readable CSV.</exception>
    public static IReadOnlyList<DownloadRequest> Read(TextReader text)
    {
        var configuration = new CsvConfiguration(CultureInfo.InvariantCulture)
        {
            PrepareHeaderForMatch = args => args.Header.Trim().ToLowerInvariant(),
            TrimOptions = TrimOptions.Trim,
            IgnoreBlankLines = true,
            MissingFieldFound = null,
            BadDataFound = null,
            HeaderValidated = null,
        };

        try
        {
            using var csv = new CsvReader(text, configuration);
            if (!csv.Read())
            {
                throw new CsvManifestException("The CSV is empty: it needs a header row with a 'url' column.");
            }

            csv.ReadHeader();
            var header = csv.HeaderRecord ?? [];
            if (!header.Any(name => string.Equals(name.Trim(), UrlColumn, StringComparison.OrdinalIgnoreCase)))
            {
                throw new CsvManifestException(
                    $"The CSV has no 'url' column (its header is: {string.Join(", ", header.Select(name => $"'{name}'"))}). " +
                    "The first row must name the columns: url (required), and optionally id, filename, label.");
            }

            var requests = new List<DownloadRequest>();
            while (csv.Read())
            {
                requests.Add(new DownloadRequest(
                    csv.Parser.Row,
                    csv.GetField(UrlColumn) ?? string.Empty,
                    Optional(csv, IdColumn),
                    Optional(csv, FileNameColumn),
                    Optional(csv, LabelColumn)));
            }

            return requests;
        }
        catch (CsvHelperException e)
        {
            throw new CsvManifestException("The CSV could not be read: " + e.Message, e);
        }
    }

    private static string? Optional(CsvReader csv, string column) =>
        csv.TryGetField<string>(column, out var value) && !string.IsNullOrWhiteSpace(value) ? value : null;
}
