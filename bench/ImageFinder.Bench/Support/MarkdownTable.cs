using System.Text;

namespace ImageFinder.Bench.Support;

/// <summary>A GitHub-flavoured Markdown table.</summary>
internal sealed class MarkdownTable
{
    private readonly string[] headers;
    private readonly List<string[]> rows = [];

    public MarkdownTable(params string[] headers) => this.headers = headers;

    public MarkdownTable Row(params string[] cells)
    {
        if (cells.Length != headers.Length)
        {
            throw new ArgumentException($"The table has {headers.Length} columns; the row has {cells.Length} cells.", nameof(cells));
        }

        rows.Add(cells);
        return this;
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append("| ").AppendJoin(" | ", headers).AppendLine(" |");
        text.Append('|').AppendJoin('|', headers.Select(_ => " --- ")).AppendLine("|");
        foreach (var row in rows)
        {
            text.Append("| ").AppendJoin(" | ", row.Select(cell => cell.Replace("|", "\\|", StringComparison.Ordinal))).AppendLine(" |");
        }

        return text.ToString();
    }
}
