using System.Text.Json;
using ImageFinder.Imaging;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Cli;

public sealed class EvaluateCommandTests : IDisposable
{
    private readonly TempFolder temp = new();

    private string Database => temp.Combine("eval.db");

    private string Set => temp.Combine("set");

    [Fact]
    public async Task Evaluate_reports_precision_recall_map_and_classes_as_json_and_as_a_table()
    {
        // Three classes, each one pattern at four sizes and encodings (the tiny model keeps them together),
        // a class with a single image, and a loose file with no class.
        string[] classes = ["circles", "stripes", "tiles"];
        for (var c = 0; c < classes.Length; c++)
        {
            Directory.CreateDirectory(Path.Combine(Set, classes[c]));
            for (var v = 0; v < 4; v++)
            {
                var format = v % 2 == 0 ? EncodedFormat.Png : EncodedFormat.Jpeg;
                File.WriteAllBytes(Path.Combine(Set, classes[c], $"{v}.{(v % 2 == 0 ? "png" : "jpg")}"), TestImages.Pattern((c * 4) + 2, 200 + (v * 60), 160 + (v * 40), format));
            }
        }

        Directory.CreateDirectory(Path.Combine(Set, "lonely"));
        File.WriteAllBytes(Path.Combine(Set, "lonely", "only.png"), TestImages.Pattern(33));
        File.WriteAllBytes(Path.Combine(Set, "loose.png"), TestImages.Pattern(34));
        var jsonFile = temp.Combine("report.json");

        var json = await CliRunner.RunAsync("evaluate", "--folder", Set, "--db", Database, "--model", TestModel.Path, "--format", "json", "--json", jsonFile);
        var table = await CliRunner.RunAsync("evaluate", "--folder", Set, "--db", Database, "--model", TestModel.Path);

        Assert.Equal(0, json.ExitCode);
        using var document = JsonDocument.Parse(json.Output);
        var evaluation = document.RootElement.GetProperty("evaluation");
        Assert.Equal("l2", evaluation.GetProperty("metric").GetString());
        Assert.Equal(13, evaluation.GetProperty("images").GetInt32());
        Assert.Equal(4, evaluation.GetProperty("classes").GetInt32());
        Assert.Equal(12, evaluation.GetProperty("queries").GetInt32());
        Assert.Equal(1, evaluation.GetProperty("skippedSingletons").GetInt32());
        Assert.Equal(1.0, evaluation.GetProperty("precisionAt").GetProperty("1").GetDouble(), 6);
        // 3 relevant images per query: precision@10 is at most 0.3, and recall@10 is then 1.
        Assert.Equal(0.3, evaluation.GetProperty("precisionAt").GetProperty("10").GetDouble(), 6);
        Assert.Equal(1.0, evaluation.GetProperty("recallAt").GetProperty("10").GetDouble(), 6);
        Assert.Equal(1.0, evaluation.GetProperty("meanAveragePrecision").GetDouble(), 6);
        Assert.Equal(["circles", "stripes", "tiles"], evaluation.GetProperty("perClass").EnumerateArray().Select(c => c.GetProperty("label").GetString()));
        Assert.Equal(json.Output.Trim(), File.ReadAllText(jsonFile).Trim());
        Assert.Contains("synced: 14 added", json.Error);

        Assert.Equal(0, table.ExitCode);
        Assert.Contains("4 classes, 13 images, 12 leave-one-out queries", table.Output);
        Assert.Contains("synced: 0 added, 0 updated, 14 unchanged", table.Output);
        Assert.Contains("mAP          1.000", table.Output);
        Assert.Matches(@"stripes\s+4\s+1\.000", table.Output);
        Assert.Contains("most confused classes: none", table.Output);
    }

    [Fact]
    public async Task A_folder_without_class_folders_is_a_clear_error()
    {
        TestImages.WriteCollection(Set, 3);

        var (exitCode, _, error) = await CliRunner.RunAsync("evaluate", "--folder", Set, "--db", Database, "--model", TestModel.Path);

        Assert.Equal(1, exitCode);
        Assert.Contains("0 usable images in class folders", error);
    }

    public void Dispose() => temp.Dispose();
}
