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
    /// <summary>
    /// The store settings of a job that loads no model (<c>migrate</c>, <c>export</c>, <c>import</c>), from the
    /// environment and checked, with sqlite-vec found; null, with every problem printed, when they are not usable.
    /// </summary>
    public static async Task<ImageFinderOptions?> ReadCheckedAsync(TextWriter error)
    {
        var settings = new ImageFinderOptions();
        var failures = new List<string>();
        if (Apply(settings) is { } environment)
        {
            failures.Add(environment);
        }

        failures.AddRange(ImageFinderOptionsValidator.StoreFailures(settings));
        try
        {
            ImageFinder.Native.NativeLibraries.EnsureInstalled();
        }
        catch (ImageFinder.Native.NativeLibraryMissingException e)
        {
            failures.Add(e.Message);
        }

        foreach (var failure in failures)
        {
            await error.WriteLineAsync("error: " + failure);
        }

        return failures.Count == 0 ? settings : null;
    }

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
