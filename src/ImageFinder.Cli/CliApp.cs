using System.CommandLine;
using ImageFinder.Cli.Commands;

namespace ImageFinder.Cli;

/// <summary>The one-shot jobs: <c>download</c> fetches images from a CSV of URLs; <c>ingest</c> fills the database from a folder; <c>search</c> queries it; <c>evaluate</c> measures retrieval on a labelled folder; <c>duplicates</c> finds near-identical images; <c>reindex</c> re-embeds a collection with another model; <c>migrate</c> copies a collection between SQLite and Garnet; <c>model-check</c> checks an exported model against its reference output.</summary>
public static class CliApp
{
    /// <summary>
    /// Ctrl-C and SIGTERM cancel the running job's token, and the job gets this long to stop cleanly (temporary
    /// files removed, "interrupted" printed). System.CommandLine 2.0.0 handles neither signal unless it is set.
    /// </summary>
    public static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(2);

    public static Task<int> Main(string[] args) =>
        BuildRoot().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = ShutdownGrace });

    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("ImageFinder: reverse image search with CNN embeddings in SQLite + sqlite-vec.");
        root.Subcommands.Add(DownloadCommand.Create());
        root.Subcommands.Add(IngestCommand.Create());
        root.Subcommands.Add(SearchCommand.Create());
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(DuplicatesCommand.Create());
        root.Subcommands.Add(ReindexCommand.Create());
        root.Subcommands.Add(MigrateCommand.Create());
        root.Subcommands.Add(ExchangeCommands.Export());
        root.Subcommands.Add(ExchangeCommands.Import());
        root.Subcommands.Add(ModelCheckCommand.Create());
        return root;
    }
}
