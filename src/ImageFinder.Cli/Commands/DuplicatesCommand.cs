using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ImageFinder.Cli.Console;
using ImageFinder.Configuration;
using ImageFinder.Duplicates;

namespace ImageFinder.Cli.Commands;

/// <summary><c>duplicates [--max-distance d]</c>: prints the groups of near-identical images in the database.</summary>
internal static class DuplicatesCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create()
    {
        var maxDistance = new Option<float?>("--max-distance")
        {
            Description = "Largest distance between two duplicates, in the collection's metric. Default: cosine 0.05, or for l2/l1 " +
                "0.32 × the collection's median vector norm (what cosine 0.05 is for vectors of equal length).",
        };
        var format = new Option<string>("--format") { Description = "table or json.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var database = CommonOptions.Database();
        var model = CommonOptions.Model();
        var command = new Command("duplicates", "Find groups of near-identical images (re-encodes, resizes) in the database.")
        {
            maxDistance, format, database, model,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(maxDistance),
            parse.GetValue(format) == "json",
            new ImageFinderOptions { Database = parse.GetValue(database)!, ModelPath = parse.GetValue(model)! },
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(float? maxDistance, bool asJson, ImageFinderOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (maxDistance is { } given && (!float.IsFinite(given) || given < 0))
        {
            await error.WriteLineAsync("error: --max-distance must be a number, 0 or more.");
            return 2;
        }

        // With the garnet store (named by the environment) there is no file to look for.
        if (StoreEnvironment.Apply(options) is null && !options.UsesGarnet && !File.Exists(options.Database))
        {
            await error.WriteLineAsync($"error: --db: '{Path.GetFullPath(options.Database)}' does not exist; ingest a folder first.");
            return 2;
        }

        using var search = await CommonOptions.OpenAsync(options, error);
        if (search is null)
        {
            return 2;
        }

        DuplicateReport report;
        try
        {
            report = await DuplicateFinder.FindAsync(search.Store, maxDistance, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("interrupted: no report.");
            return 130;
        }

        if (asJson)
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(new { model = search.Model.Name, duplicates = report }, Json));
            return 0;
        }

        var threshold = report.MaxDistance.ToString("G4", CultureInfo.InvariantCulture) + (report.DefaultThreshold ? " (default)" : "");
        await output.WriteLineAsync(
            $"{report.Groups.Count} groups of near-duplicates, {report.Groups.Sum(g => g.Images.Count)} of {report.Images} images " +
            $"({report.Metric} distance, max distance {threshold})");
        for (var g = 0; g < report.Groups.Count; g++)
        {
            await output.WriteLineAsync($"group {g + 1} ({report.Groups[g].Images.Count} images; the first is the largest):");
            foreach (var image in report.Groups[g].Images)
            {
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {image.Id}\t{image.Distance:F4}\t{image.Width}x{image.Height}\t{Printable.Text(image.Source)}"));
            }
        }

        return 0;
    }
}
