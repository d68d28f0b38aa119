using System.CommandLine;
using ImageFinder.Configuration;
using ImageFinder.Imaging;

namespace ImageFinder.Cli.Commands;

/// <summary><c>search --image FILE [filters]</c>: prints the nearest images in the database (among those the filters match).</summary>
internal static class SearchCommand
{
    public static Command Create()
    {
        var image = new Option<FileInfo>("--image") { Description = "The query image.", Required = true };
        var k = new Option<int>("-k", "--k") { Description = "How many results.", DefaultValueFactory = _ => 3 };
        var labels = new Option<string[]>("--label") { Description = "Only images in this folder (repeat it: any of these).", Arity = ArgumentArity.ZeroOrMore };
        var addedAfter = new Option<string?>("--added-after") { Description = "Only images added at or after this instant (ISO 8601, e.g. 2026-03-01T00:00:00Z)." };
        var addedBefore = new Option<string?>("--added-before") { Description = "Only images added before this instant (ISO 8601)." };
        var minWidth = new Option<int?>("--min-width") { Description = "Only images at least this many pixels wide." };
        var minHeight = new Option<int?>("--min-height") { Description = "Only images at least this many pixels high." };
        var database = CommonOptions.Database();
        var model = CommonOptions.Model();
        var command = new Command("search", "Find the images in the database most similar to an image (the k nearest among those the filters match).")
        {
            image, k, labels, addedAfter, addedBefore, minWidth, minHeight, database, model,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(image)!,
            parse.GetValue(k),
            new FilterArguments(parse.GetValue(labels) ?? [], parse.GetValue(addedAfter), parse.GetValue(addedBefore), parse.GetValue(minWidth), parse.GetValue(minHeight)),
            new ImageFinderOptions { Database = parse.GetValue(database)!, ModelPath = parse.GetValue(model)! },
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo image, int k, FilterArguments filterArguments, ImageFinderOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        if (filterArguments.Parse() is not { } filter)
        {
            await error.WriteLineAsync("error: " + filterArguments.Problem());
            return 2;
        }

        if (!image.Exists)
        {
            await error.WriteLineAsync($"error: --image: '{image.FullName}' does not exist.");
            return 2;
        }

        if (k < 1)
        {
            await error.WriteLineAsync("error: -k must be at least 1.");
            return 2;
        }

        using var search = await CommonOptions.OpenAsync(options, error);
        if (search is null)
        {
            return 2;
        }

        try
        {
            var result = await search.SearchAsync(await File.ReadAllBytesAsync(image.FullName, cancellationToken), k, filter, cancellationToken);
            await output.WriteLineAsync($"model: {search.Model.Name}");
            if (!filter.IsEmpty)
            {
                await output.WriteLineAsync($"filter: {filter}");
            }

            foreach (var hit in result.Hits)
            {
                await output.WriteLineAsync($"{hit.Id}\t{hit.Distance:F4}\t{hit.Source}");
            }

            return 0;
        }
        catch (ImageDecodeException e)
        {
            await error.WriteLineAsync($"error: {image.FullName}: {e.Message}");
            return 1;
        }
    }
}
