using ImageFinder.Evaluation;
using ImageFinder.Storage;

namespace ImageFinder.Tests.Evaluation;

public sealed class RetrievalEvaluatorTests
{
    [Fact]
    public void Ranking_measures_match_the_hand_computed_values()
    {
        // Relevant at ranks 1, 3 and 6; 3 relevant items in all.
        bool[] ranking = [true, false, true, false, false, true];

        Assert.Equal(1.0, RankingMetrics.PrecisionAt(ranking, 1), 6);
        Assert.Equal(2.0 / 3, RankingMetrics.PrecisionAt(ranking, 3), 6);
        Assert.Equal(0.3, RankingMetrics.PrecisionAt(ranking, 10), 6);
        Assert.Equal(1.0 / 3, RankingMetrics.RecallAt(ranking, 1, 3), 6);
        Assert.Equal(2.0 / 3, RankingMetrics.RecallAt(ranking, 3, 3), 6);
        Assert.Equal(1.0, RankingMetrics.RecallAt(ranking, 10, 3), 6);
        Assert.Equal((1 + (2.0 / 3) + 0.5) / 3, RankingMetrics.AveragePrecision(ranking, 3), 6);
        // A relevant item the ranking never reaches counts as precision 0.
        Assert.Equal((1 + (2.0 / 3) + 0.5) / 4, RankingMetrics.AveragePrecision(ranking, 4), 6);
        Assert.Equal(0, RankingMetrics.AveragePrecision(ranking, 0));
    }

    [Fact]
    public void Leave_one_out_over_a_hand_checkable_set()
    {
        // Class A near the origin; class B around x = 10, except b3 at x = 3, nearer to A than to B.
        LabelledVector[] items =
        [
            new("A", [0, 0]), new("A", [0, 1]),
            new("B", [10, 0]), new("B", [10, 1]), new("B", [3, 0]),
        ];

        var report = RetrievalEvaluator.Evaluate(items, CollectionInfo.L2, [1, 3]);

        // a1, a2, b1, b2 find their own class first (AP 1); b3's ranking is a1, a2, b1, b2: AP = (1/3 + 2/4) / 2.
        Assert.Equal(5, report.Queries);
        Assert.Equal(2, report.Classes);
        Assert.Equal(4.0 / 5, report.PrecisionAt[1], 6);
        Assert.Equal(((1.0 / 3) + (1.0 / 3) + (2.0 / 3) + (2.0 / 3) + (1.0 / 3)) / 5, report.PrecisionAt[3], 6);
        Assert.Equal((1 + 1 + 0.5 + 0.5 + 0) / 5, report.RecallAt[1], 6);
        var b3 = ((1.0 / 3) + 0.5) / 2;
        Assert.Equal((4 + b3) / 5, report.MeanAveragePrecision, 6);

        var classB = Assert.Single(report.PerClass, c => c.Label == "B");
        Assert.Equal(3, classB.Images);
        Assert.Equal(2.0 / 3, classB.PrecisionAt[1], 6);
        Assert.Equal((2 + b3) / 3, classB.MeanAveragePrecision, 6);

        var confusion = Assert.Single(report.Confusions);
        Assert.Equal(("B", "A", 1), (confusion.Label, confusion.ConfusedWith, confusion.Count));
        Assert.Equal(1.0 / 3, confusion.Share, 6);
    }

    [Fact]
    public void The_collection_metric_decides_the_ranking_and_singletons_are_not_queries()
    {
        // The two P images point the same way but lie far apart. By L2 each one's nearest is another class
        // ((1, 0) -> Q at 0.51; (10, 0.1) -> R at 7.0); by cosine each finds the other (1 - cos ≈ 0.00005).
        LabelledVector[] items = [new("P", [1, 0]), new("P", [10, 0.1f]), new("Q", [0.9f, 0.5f]), new("R", [5, 5])];

        var l2 = RetrievalEvaluator.Evaluate(items, CollectionInfo.L2, [1]);
        var cosine = RetrievalEvaluator.Evaluate(items, CollectionInfo.Cosine, [1]);

        Assert.Equal(2, l2.Queries);
        Assert.Equal(2, l2.SkippedSingletons);
        Assert.Equal(0.0, l2.PrecisionAt[1], 6);
        Assert.Equal([("P", "Q"), ("P", "R")], l2.Confusions.Select(c => (c.Label, c.ConfusedWith)).Order());
        Assert.Equal(1.0, cosine.PrecisionAt[1], 6);
        Assert.Empty(cosine.Confusions);
    }

    [Fact]
    public void Folder_labels_are_the_first_folder_under_the_root()
    {
        Assert.Equal("cats", FolderLabels.LabelOf("/data/set", "/data/set/cats/a.jpg"));
        Assert.Equal("cats", FolderLabels.LabelOf("/data/set/", "/data/set/cats/more/b.jpg"));
        Assert.Null(FolderLabels.LabelOf("/data/set", "/data/set/loose.jpg"));
        Assert.Null(FolderLabels.LabelOf("/data/set", "/data/other/cats/a.jpg"));
    }
}
