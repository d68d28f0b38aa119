using System.Globalization;
using ImageFinder.Storage;

namespace ImageFinder.Cli.Commands;

/// <summary>The filter options of <c>search</c> as given; <see cref="Parse"/> checks them.</summary>
internal sealed record FilterArguments(string[] Labels, string? AddedAfter, string? AddedBefore, int? MinWidth, int? MinHeight)
{
    /// <summary>The filter, or null when an option is malformed (<see cref="Problem"/> says which).</summary>
    public ImageFilter? Parse()
    {
        if (Problem() is not null)
        {
            return null;
        }

        return new ImageFilter
        {
            Labels = Labels.Distinct(StringComparer.Ordinal).ToArray(),
            AddedAfter = Instant(AddedAfter),
            AddedBefore = Instant(AddedBefore),
            MinWidth = MinWidth,
            MinHeight = MinHeight,
        };
    }

    /// <summary>What is wrong with the options, naming the option; null when nothing is.</summary>
    public string? Problem()
    {
        if (Labels.Any(string.IsNullOrEmpty))
        {
            return "--label must name a folder.";
        }

        foreach (var (name, value) in new[] { ("--added-after", AddedAfter), ("--added-before", AddedBefore) })
        {
            if (value is not null && Instant(value) is null)
            {
                return $"{name}: '{value}' is not an ISO 8601 date and time (e.g. 2026-03-01T00:00:00Z).";
            }
        }

        if (MinWidth < 0 || MinHeight < 0)
        {
            return "--min-width and --min-height must be 0 or more.";
        }

        if (Instant(AddedAfter) is { } after && Instant(AddedBefore) is { } before && after >= before)
        {
            return "--added-before must be later than --added-after.";
        }

        return null;
    }

    private static DateTimeOffset? Instant(string? value) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant) ? instant : null;
}
