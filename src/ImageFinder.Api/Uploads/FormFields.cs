using System.Globalization;

namespace ImageFinder.Api.Uploads;

/// <summary>The text fields of a multipart form (<see cref="UploadForm"/>, <see cref="BatchForm"/>), read as numbers, instants or lists.</summary>
public sealed class FormFields(IFormCollection form)
{
    /// <summary>The form fields of the upload an endpoint filter's handler receives (<see cref="ReceivedUpload"/> or <see cref="ReceivedBatch"/>), if any.</summary>
    public static FormFields? Of(EndpointFilterInvocationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Arguments.OfType<ReceivedUpload>().FirstOrDefault()?.Form.Fields
            ?? context.Arguments.OfType<ReceivedBatch>().FirstOrDefault()?.Form.Fields;
    }

    /// <summary>Every value of a form field given once or more (empty values left out).</summary>
    public IReadOnlyList<string> GetAll(string name) =>
        form.TryGetValue(name, out var values) ? values.Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).ToList() : [];

    /// <summary>An ISO 8601 date-and-time form field, or null when absent; false when present but not one.</summary>
    public bool TryGetInstant(string name, out DateTimeOffset? value)
    {
        value = null;
        if (!form.TryGetValue(name, out var text) || string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return false;
        }

        value = parsed;
        return true;
    }

    /// <summary>An integer form field, or null when absent; false when present but not an integer.</summary>
    public bool TryGetInt(string name, out int? value)
    {
        value = null;
        if (!form.TryGetValue(name, out var text) || string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed))
        {
            return false;
        }

        value = parsed;
        return true;
    }

    /// <summary>A number form field, or null when absent; false when present but not a finite number.</summary>
    public bool TryGetFloat(string name, out float? value)
    {
        value = null;
        if (!form.TryGetValue(name, out var text) || string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        if (!float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) || !float.IsFinite(parsed))
        {
            return false;
        }

        value = parsed;
        return true;
    }
}
