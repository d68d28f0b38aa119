using System.CommandLine;
using ImageFinder.Configuration;
using ImageFinder.Imaging;

namespace ImageFinder.Cli.Commands;

/// <summary><c>search --image FILE</c>: prints the nearest images in the database.</summary>
internal static class SearchCommand
{
    public static Command Create()
    {
        var image = new Option<FileInfo>("--image") { Description = "The query image.", Required = true };
        var k = new Option<int>("-k", "--k") { Description = "How many results.", DefaultValueFactory = _ => 3 };
        var database = CommonOptions.Database();
        var model = CommonOptions.Model();
        var command = new Command("search", "Find the images in the database most similar to an image.") { image, k, database, model };
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(image)!,
            parse.GetValue(k),
            new ImageFinderOptions { Database = parse.GetValue(database)!, ModelPath = parse.GetValue(model)! },
            parse.InvocationConfiguration.Output,
            parse.InvocationConfiguration.Error,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(FileInfo image, int k, ImageFinderOptions options, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
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
            var result = await search.SearchAsync(await File.ReadAllBytesAsync(image.FullName, cancellationToken), k, cancellationToken);
            await output.WriteLineAsync($"model: {search.Model.Name}");
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
