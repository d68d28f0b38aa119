using System.Globalization;
using CsvHelper;

namespace ImageFinder.Download;

/// <summary>
/// The <c>failures.csv</c> of an output folder (columns url, reason, attempts). It is rewritten at the end of
/// every run: written atomically when something failed, deleted when nothing did, so it always describes
/// the latest run.
/// </summary>
public static class FailureReport
{
    public const string FileName = "failures.csv";

    /// <summary>Writes (or removes) the report in <paramref name="folder"/>; returns its path, or null when there were no failures.</summary>
    public static string? Write(string folder, IReadOnlyList<DownloadFailure> failures)
    {
        var path = Path.Combine(folder, FileName);
        if (failures.Count == 0)
        {
            File.Delete(path);
            return null;
        }

        var temp = Path.Combine(folder, $".{FileName}.{Path.GetRandomFileName()}.part");
        try
        {
            using (var writer = new StreamWriter(temp))
            using (var csv = new CsvWriter(writer, CultureInfo.InvariantCulture))
            {
                csv.WriteField("url");
                csv.WriteField("reason");
                csv.WriteField("attempts");
                csv.NextRecord();
                foreach (var failure in failures)
                {
                    csv.WriteField(failure.Url);
                    csv.WriteField(failure.Reason);
                    csv.WriteField(failure.Attempts);
                    csv.NextRecord();
                }
            }

            File.Move(temp, path, overwrite: true);
            return path;
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
