using System.Collections;
using ImageFinder.Configuration;
using Microsoft.Extensions.Configuration;

namespace ImageFinder.Cli.Commands;

/// <summary>
/// The store settings the CLI reads from the environment, with the API's names (<c>ImageFinder__Store=garnet</c>,
/// <c>ImageFinder__Garnet__Endpoints=...</c>), so one set of variables points the API and every job at one cluster.
/// </summary>
internal static class StoreEnvironment
{
    /// <summary>Sets <see cref="ImageFinderOptions.Store"/> and <see cref="ImageFinderOptions.Garnet"/> from the environment; the failure names the variable.</summary>
    public static string? Apply(ImageFinderOptions options, IDictionary? environment = null)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in environment ?? Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && name.StartsWith(ImageFinderOptions.SectionName + "__", StringComparison.OrdinalIgnoreCase))
            {
                values[name.Replace("__", ":", StringComparison.Ordinal)] = entry.Value as string;
            }
        }

        var section = new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection(ImageFinderOptions.SectionName);
        if (section["Store"] is { } store)
        {
            options.Store = store;
        }

        try
        {
            section.GetSection("Garnet").Bind(options.Garnet);
            return null;
        }
        catch (InvalidOperationException e)
        {
            return $"an ImageFinder__Garnet__* environment variable has a value of the wrong type: {e.InnerException?.Message ?? e.Message}";
        }
    }
}
