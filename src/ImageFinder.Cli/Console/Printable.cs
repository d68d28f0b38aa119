using System.Globalization;
using System.Text;

namespace ImageFinder.Cli.Console;

/// <summary>
/// Text from outside (file names, library messages) made safe to print on one line: control characters
/// (newlines, escape sequences, bells) become <c>\uXXXX</c>, so a file name cannot forge output lines or
/// send codes to the terminal.
/// </summary>
internal static class Printable
{
    public static string Text(string text)
    {
        if (!text.Any(char.IsControl))
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (char.IsControl(c))
            {
                escaped.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                escaped.Append(c);
            }
        }

        return escaped.ToString();
    }
}
