using System.Diagnostics;
using System.Text;

namespace ImageFinder.Bench.Support;

/// <summary>
/// Writes bench/RESULTS.md: the preamble (what, where, how), then one part per section. The file is
/// rewritten after every section, so the figures measured so far survive a later failure or Ctrl-C.
/// </summary>
internal sealed class ResultsWriter
{
    private readonly string path;
    private readonly string preamble;
    private readonly List<string> sections = [];

    public ResultsWriter(string path, string preamble)
    {
        this.path = path;
        this.preamble = preamble;
    }

    /// <summary>Sections that threw.</summary>
    public int Failures { get; private set; }

    /// <summary>Runs one section; an exception is recorded in its part of the file and the next section runs.</summary>
    public async Task RunAsync(string title, Func<ResultsSection, Task> body)
    {
        BenchLog.Info($"== {title}");
        var section = new ResultsSection();
        var stopwatch = Stopwatch.StartNew();
        try
        {
            await body(section);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Failures++;
            BenchLog.Info($"{title} FAILED: {e}");
            section.Failed(e);
        }

        section.Paragraph($"_Section wall time: {stopwatch.Elapsed.TotalSeconds:F0} s; load average afterwards: {MachineInfo.LoadAverage()}._");
        sections.Add($"## {title}{Environment.NewLine}{Environment.NewLine}{section.ToMarkdown()}");
        Save();
    }

    public void Save()
    {
        var text = new StringBuilder(preamble);
        foreach (var section in sections)
        {
            text.AppendLine().Append(section);
        }

        text.AppendLine().AppendLine($"_Harness wall time up to here: {BenchLog.Elapsed.TotalSeconds:F0} s, model and test images included._");

        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text.ToString());
        File.Move(temporary, path, overwrite: true);
    }
}
