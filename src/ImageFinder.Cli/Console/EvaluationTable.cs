using System.Globalization;
using ImageFinder.Evaluation;

namespace ImageFinder.Cli.Console;

/// <summary>Prints an <see cref="EvaluationReport"/> as plain-text tables.</summary>
internal static class EvaluationTable
{
    public static async Task WriteAsync(TextWriter output, EvaluationReport report, string model, string folder)
    {
        await output.WriteLineAsync(
            $"evaluation of {Printable.Text(folder)}: {report.Classes} classes, {report.Images} images, {report.Queries} leave-one-out queries " +
            $"({report.Metric} distance, model '{model}')");
        if (report.SkippedSingletons > 0)
        {
            await output.WriteLineAsync($"{report.SkippedSingletons} images are alone in their class: searched, but not used as queries");
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync($"{"k",-6}{"precision@k",12}{"recall@k",12}");
        foreach (var k in report.Ks)
        {
            await output.WriteLineAsync($"{k,-6}{F(report.PrecisionAt[k]),12}{F(report.RecallAt[k]),12}");
        }

        await output.WriteLineAsync($"mAP   {F(report.MeanAveragePrecision),12}");
        await output.WriteLineAsync();

        var width = Math.Max(5, report.PerClass.Select(c => c.Label.Length).DefaultIfEmpty(0).Max()) + 2;
        var header = $"{"class".PadRight(width)}{"images",7}" + string.Concat(report.Ks.Select(k => $"{"P@" + k,8}")) + string.Concat(report.Ks.Select(k => $"{"R@" + k,8}")) + $"{"AP",8}";
        await output.WriteLineAsync(header);
        foreach (var row in report.PerClass)
        {
            await output.WriteLineAsync(
                $"{Printable.Text(row.Label).PadRight(width)}{row.Images,7}" + string.Concat(report.Ks.Select(k => $"{F(row.PrecisionAt[k]),8}")) +
                string.Concat(report.Ks.Select(k => $"{F(row.RecallAt[k]),8}")) + $"{F(row.MeanAveragePrecision),8}");
        }

        await output.WriteLineAsync();
        if (report.Confusions.Count == 0)
        {
            await output.WriteLineAsync("most confused classes: none (every nearest neighbour is of the query's class)");
            return;
        }

        await output.WriteLineAsync("most confused classes (the nearest neighbour was of another class):");
        var confusedWidth = Math.Max(13, report.Confusions.Select(c => c.ConfusedWith.Length).Max()) + 2;
        await output.WriteLineAsync($"{"class".PadRight(width)}{"confused with".PadRight(confusedWidth)}{"count",6}{"share",8}");
        foreach (var confusion in report.Confusions)
        {
            await output.WriteLineAsync($"{Printable.Text(confusion.Label).PadRight(width)}{Printable.Text(confusion.ConfusedWith).PadRight(confusedWidth)}{confusion.Count,6}{F(confusion.Share),8}");
        }
    }

    private static string F(double value) => value.ToString("F3", CultureInfo.InvariantCulture);
}
