using ImageFinder.Storage;

namespace ImageFinder.Api.Search;

/// <summary>
/// The filters of a nearest-neighbour request, as sent (query parameters, form fields or JSON fields of the same names);
/// checked by <see cref="ValidateFilterParameters"/>. The answer holds the k nearest images among those that match.
/// </summary>
public interface IFilterParameters
{
    /// <summary>Only images in any of these folders (labels); repeat the parameter for several.</summary>
    IReadOnlyList<string>? Label { get; }

    /// <summary>Only images added at or after this instant (ISO 8601).</summary>
    DateTimeOffset? AddedAfter { get; }

    /// <summary>Only images added before this instant (ISO 8601).</summary>
    DateTimeOffset? AddedBefore { get; }

    /// <summary>Only images at least this many pixels wide.</summary>
    int? MinWidth { get; }

    /// <summary>Only images at least this many pixels high.</summary>
    int? MinHeight { get; }
}

/// <summary>Turns checked <see cref="IFilterParameters"/> into the store's <see cref="ImageFilter"/>.</summary>
public static class FilterParameters
{
    public static ImageFilter ToFilter(this IFilterParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new ImageFilter
        {
            Labels = parameters.Label?.Distinct(StringComparer.Ordinal).ToArray() ?? [],
            AddedAfter = parameters.AddedAfter,
            AddedBefore = parameters.AddedBefore,
            MinWidth = parameters.MinWidth,
            MinHeight = parameters.MinHeight,
        };
    }
}
