using System.Globalization;

namespace ImageFinder.Api.Uploads;

/// <summary>The text fields of a multipart form (<see cref="UploadForm"/>, <see cref="BatchForm"/>), read as numbers.</summary>
public sealed class FormFields(IFormCollection form)
{
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
