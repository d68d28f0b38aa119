using ImageFinder.Api.Errors;
using ImageFinder.Api.Uploads;

namespace ImageFinder.Api.Search;

/// <summary>
/// Endpoint filter for handlers with an <see cref="IFilterParameters"/> argument: at most <see cref="MaxLabels"/>
/// labels, none empty or longer than <see cref="MaxLabelLength"/>; sizes of 0 or more; an added window that is not
/// empty. With an upload (<see cref="ReceivedUpload"/> or <see cref="ReceivedBatch"/>), the form fields of the same names fill in a
/// <see cref="FilterQuery"/>'s missing values first. Endpoints without such an argument pass through.
/// </summary>
public sealed class ValidateFilterParameters : IEndpointFilter
{
    public const int MaxLabels = 64;

    public const int MaxLabelLength = 255;

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (context.Arguments.OfType<IFilterParameters>().FirstOrDefault() is not { } parameters)
        {
            return await next(context);
        }

        if (parameters is FilterQuery query && FormFields.Of(context) is { } fields && FillFromForm(query, fields) is { } formProblem)
        {
            return formProblem;
        }

        return Check(parameters) ?? await next(context);
    }

    private static object? FillFromForm(FilterQuery query, FormFields form)
    {
        if (query.Label is not { Length: > 0 } && form.GetAll("label") is { Count: > 0 } labels)
        {
            query.Label = labels.ToArray();
        }

        foreach (var (name, current, set) in new (string, DateTimeOffset?, Action<DateTimeOffset?>)[]
        {
            ("addedAfter", query.AddedAfter, value => query.AddedAfter = value),
            ("addedBefore", query.AddedBefore, value => query.AddedBefore = value),
        })
        {
            if (!form.TryGetInstant(name, out var value))
            {
                return Problems.BadParameter(name, $"'{name}' must be an ISO 8601 date and time, e.g. 2026-03-01T00:00:00Z.");
            }

            set(current ?? value);
        }

        foreach (var (name, current, set) in new (string, int?, Action<int?>)[]
        {
            ("minWidth", query.MinWidth, value => query.MinWidth = value),
            ("minHeight", query.MinHeight, value => query.MinHeight = value),
        })
        {
            if (!form.TryGetInt(name, out var value))
            {
                return Problems.BadParameter(name, $"'{name}' must be a whole number of pixels, 0 or more.");
            }

            set(current ?? value);
        }

        return null;
    }

    private static object? Check(IFilterParameters parameters)
    {
        if (parameters.Label is { } labels)
        {
            if (labels.Count > MaxLabels)
            {
                return Problems.BadParameter("label", $"At most {MaxLabels} labels; {labels.Count} were given.");
            }

            if (labels.Any(label => string.IsNullOrEmpty(label) || label.Length > MaxLabelLength))
            {
                return Problems.BadParameter("label", $"A label must be a folder name of 1 to {MaxLabelLength} characters.");
            }
        }

        if (parameters.MinWidth < 0)
        {
            return Problems.BadParameter("minWidth", $"'minWidth' must be 0 or more; it was {parameters.MinWidth}.");
        }

        if (parameters.MinHeight < 0)
        {
            return Problems.BadParameter("minHeight", $"'minHeight' must be 0 or more; it was {parameters.MinHeight}.");
        }

        if (parameters is { AddedAfter: { } after, AddedBefore: { } before } && after >= before)
        {
            return Problems.BadParameter("addedBefore", $"'addedBefore' ({before:O}) must be later than 'addedAfter' ({after:O}): the window [addedAfter, addedBefore) is empty.");
        }

        return null;
    }
}
