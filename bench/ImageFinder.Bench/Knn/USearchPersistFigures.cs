namespace ImageFinder.Bench.Knn;

/// <summary>Saving a built <see cref="USearchKnn"/> index to a file and opening it again, and whether it still answers the same.</summary>
/// <param name="FileBytes">The saved file's size.</param>
/// <param name="Save">usearch_save.</param>
/// <param name="Load">usearch_init plus usearch_load (the file read into memory) of the file just written, so from the page cache.</param>
/// <param name="View">usearch_init plus usearch_view (the file memory-mapped; pages come in on first use).</param>
/// <param name="Compared">Queries asked of the built, the loaded and the viewed index.</param>
/// <param name="SameAfterLoad">Of those, how many got the built index's answer (same ids, same order) from the loaded one.</param>
/// <param name="SameAfterView">The same for the viewed one.</param>
internal sealed record USearchPersistFigures(
    long FileBytes, TimeSpan Save, TimeSpan Load, TimeSpan View, int Compared, int SameAfterLoad, int SameAfterView);
