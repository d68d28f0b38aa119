namespace ImageFinder.Index;

/// <summary>What the in-memory index holds now (<see cref="KnnSearch.Status"/>).</summary>
/// <param name="State">none (sqlite-vec answers), building, exact (untrained: scanned in full), trained (inverted file), or failed.</param>
/// <param name="Vectors">Images in the index.</param>
/// <param name="Cells">Chunks (untrained) or k-means cells (trained).</param>
/// <param name="MemoryBytes">Memory the index takes besides SQLite.</param>
/// <param name="TrainedOn">Images the cells were trained on (0 when untrained).</param>
public sealed record IndexStatus(string State, int Vectors, int Cells, long MemoryBytes, int TrainedOn);
