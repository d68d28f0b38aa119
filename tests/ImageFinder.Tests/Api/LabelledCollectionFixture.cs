using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Api;

/// <summary>
/// The 16 images of <see cref="CollectionFixture"/> in three folders, so labels differ: the first 3 in "cats", the next 5
/// in "dogs", the last 8 in "birds" (widths 320 + 40·(i mod 5), heights 240 + 30·(i mod 3)). URLs on loopback may be searched.
/// </summary>
public class LabelledCollectionFixture : CollectionFixture
{
    public static string LabelOf(int index) => index < 3 ? "cats" : index < 8 ? "dogs" : "birds";

    protected override IReadOnlyDictionary<string, string?> ExtraSettings => Labelled.Settings;

    protected override IReadOnlyList<string> WriteImages(string folder) => Labelled.Write(folder);
}

/// <summary><see cref="LabelledCollectionFixture"/>'s collection on a Garnet server.</summary>
public sealed class LabelledGarnetCollectionFixture : GarnetCollectionFixture
{
    protected override IReadOnlyDictionary<string, string?> ExtraSettings => Labelled.Settings;

    protected override IReadOnlyList<string> WriteImages(string folder) => Labelled.Write(folder);
}

/// <summary>What the two labelled fixtures share.</summary>
internal static class Labelled
{
    public static IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?> { ["ImageFinder:AllowPrivateUrls"] = "true" };

    public static IReadOnlyList<string> Write(string folder)
    {
        var all = TestImages.WriteCollection(Path.Combine(folder, "unsorted"), CollectionFixture.ImageCount);
        var paths = new List<string>();
        for (var i = 0; i < all.Count; i++)
        {
            var target = Path.Combine(folder, LabelledCollectionFixture.LabelOf(i), Path.GetFileName(all[i]));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Move(all[i], target);
            paths.Add(target);
        }

        Directory.Delete(Path.Combine(folder, "unsorted"));
        return paths;
    }
}
