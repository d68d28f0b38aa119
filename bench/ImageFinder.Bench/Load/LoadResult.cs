namespace ImageFinder.Bench.Load;

/// <summary>One load run: every answer, the requests that got none (by exception), and the server's RSS once a second.</summary>
internal sealed record LoadResult(int Clients, TimeSpan Elapsed, IReadOnlyList<Answer> Answers, IReadOnlyDictionary<string, int> Failures, IReadOnlyList<long> ResidentSamples, int BusyWithoutRetryAfter)
{
    public double RequestsPerSecond => Answers.Count / Elapsed.TotalSeconds;

    public int Count(int status) => Answers.Count(a => a.Status == status);

    public int ServerErrors => Answers.Count(a => a.Status >= 500);

    /// <summary>Statuses and how many of each, in order.</summary>
    public IEnumerable<(int Status, int Count)> ByStatus() => Answers.GroupBy(a => a.Status).OrderBy(g => g.Key).Select(g => (g.Key, g.Count()));
}
