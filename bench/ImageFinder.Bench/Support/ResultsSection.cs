using System.Text;

namespace ImageFinder.Bench.Support;

/// <summary>The Markdown one section contributes to RESULTS.md: paragraphs and tables, in order.</summary>
internal sealed class ResultsSection
{
    private readonly StringBuilder text = new();

    public void Paragraph(string markdown) => text.AppendLine(markdown).AppendLine();

    public void Table(MarkdownTable table) => text.Append(table).AppendLine();

    public void Failed(Exception error) =>
        Paragraph($"**FAILED**: {error.GetType().Name}: {error.Message}. The figures above, if any, were measured before the failure.");

    public string ToMarkdown() => text.ToString().TrimEnd() + Environment.NewLine;
}
