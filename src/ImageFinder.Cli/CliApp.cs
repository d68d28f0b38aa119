using System.CommandLine;
using ImageFinder.Cli.Commands;

namespace ImageFinder.Cli;

/// <summary>The one-shot jobs: <c>download</c> fetches images from a CSV of URLs; <c>ingest</c> fills the database from a folder; <c>search</c> queries it.</summary>
public static class CliApp
{
    public static Task<int> Main(string[] args) => BuildRoot().Parse(args).InvokeAsync();

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("ImageFinder: reverse image search with CNN embeddings in SQLite + sqlite-vec.");
        root.Subcommands.Add(DownloadCommand.Create());
        root.Subcommands.Add(IngestCommand.Create());
        root.Subcommands.Add(SearchCommand.Create());
        return root;
    }
}
