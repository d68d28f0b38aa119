namespace ImageFinder.Tests.Support;

/// <summary>The checkout the tests were built from: the folder that holds ImageFinder.sln.</summary>
public static class Repository
{
    public static string Root { get; } = Locate();

    private static string Locate()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "ImageFinder.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"ImageFinder.sln was not found above {AppContext.BaseDirectory}.");
    }
}
