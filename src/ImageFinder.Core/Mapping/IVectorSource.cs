namespace ImageFinder.Mapping;

/// <summary>Receives row <paramref name="row"/> (0..Count-1) of a vector source.</summary>
public delegate void VectorVisitor(int row, ReadOnlySpan<float> vector);

/// <summary>
/// A fixed set of <see cref="Count"/> vectors of <see cref="Dimension"/> floats that can be read several times
/// (each pass visits every row once, in any order, the same rows every time), so that large collections are
/// streamed instead of held in memory.
/// </summary>
public interface IVectorSource
{
    int Count { get; }

    int Dimension { get; }

    void ForEach(VectorVisitor visitor, CancellationToken cancellationToken);
}
