using ImageFinder.Configuration;

namespace ImageFinder.Api.Hosting;

/// <summary>
/// Checks the <c>ImageFinder</c> settings before the host is built, as the host's own validation does
/// (<see cref="ImageFinderHostingExtensions.AddImageFinder"/>), so that a bad value stops the process with one line per
/// bad setting instead of an exception and its stack trace.
/// </summary>
public static class SettingsValidation
{
    /// <summary>What is wrong with the settings, one message per problem, each naming its setting; empty when they are good.</summary>
    public static IReadOnlyList<string> Failures(IConfiguration configuration)
    {
        var section = configuration.GetSection(ImageFinderOptions.SectionName);
        var failures = new List<string>();
        if (Bind<ImageFinderOptions>(section, failures) is { } options)
        {
            failures.AddRange(AnnotationsValidator<ImageFinderOptions>.Failures(options));
            failures.AddRange(new ImageFinderOptionsValidator().Validate(null, options).Failures ?? []);
        }

        if (Bind<ApiOptions>(section, failures) is { } api)
        {
            failures.AddRange(AnnotationsValidator<ApiOptions>.Failures(api));
        }

        return failures;
    }

    /// <summary>The section bound as the options system binds it, or null (with the reason added) when a value does not convert.</summary>
    private static TOptions? Bind<TOptions>(IConfigurationSection section, List<string> failures)
        where TOptions : class, new()
    {
        var options = new TOptions();
        try
        {
            section.Bind(options);
            return options;
        }
        catch (InvalidOperationException e)
        {
            // "Failed to convert configuration value 'x' at 'ImageFinder:MaxK' to type 'System.Int32'."
            failures.Add(e.Message);
            return null;
        }
    }
}
