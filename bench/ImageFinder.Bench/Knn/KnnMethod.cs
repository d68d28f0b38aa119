namespace ImageFinder.Bench.Knn;

/// <summary>
/// A way to find the k nearest stored vectors, as the KNN section compares them side by side.
/// <see cref="Search"/> takes a query and k and returns image ids (stored vector <c>i</c> has id <c>i + 1</c>),
/// nearest first. Adding a method to the comparison is one line in <c>KnnBenchmark.CreateMethods</c>.
/// </summary>
internal sealed record KnnMethod(string Name, Func<float[], int, IReadOnlyList<long>> Search);
