namespace ImageFinder.Bench.Support;

/// <summary>Housekeeping of bench/work.</summary>
internal static class WorkFiles
{
    /// <summary>Deletes a SQLite database with its WAL and shared-memory files.</summary>
    public static void DeleteDatabase(string path)
    {
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
        {
            File.Delete(file);
        }
    }
}
