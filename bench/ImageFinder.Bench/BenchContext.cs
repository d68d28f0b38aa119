using ImageFinder.Bench.Support;
using ImageFinder.Storage;

namespace ImageFinder.Bench;

/// <summary>What every section shares: the options, the effort, paths, the model, the machine, the test images.</summary>
internal sealed class BenchContext
{
    public BenchContext(BenchOptions options, BenchPaths paths, BenchModel model, MachineInfo machine)
    {
        Options = options;
        Effort = options.Quick ? BenchEffort.Quick : BenchEffort.Full;
        Paths = paths;
        Model = model;
        Machine = machine;
        Images = new TestImageFactory(Path.Combine(paths.Work, "images"), subsampledChroma: true);
        FullChromaImages = new TestImageFactory(Path.Combine(paths.Work, "images"), subsampledChroma: false);
    }

    public BenchOptions Options { get; }

    public BenchEffort Effort { get; }

    public BenchPaths Paths { get; }

    public BenchModel Model { get; }

    public MachineInfo Machine { get; }

    /// <summary>The test JPEGs every section uses: 4:2:0 chroma, as cameras write.</summary>
    public TestImageFactory Images { get; }

    /// <summary>The same scenes with 4:4:4 chroma, for the decode section's second table.</summary>
    public TestImageFactory FullChromaImages { get; }

    /// <summary>ONNX Runtime intra-op threads and ingest decode workers: one per core, the service's default.</summary>
    public int Threads => Environment.ProcessorCount;

    public int BatchSize => Options.BatchSize;

    /// <summary>What the databases hold: the model card's name and dimension, so the API accepts them.</summary>
    public CollectionInfo Collection => new(Model.Card.Name, Model.Card.Dimension);

    /// <summary>Peak RSS of the API process per collection size, recorded by the http section for the memory section.</summary>
    public Dictionary<int, long> ApiPeakResidentBytes { get; } = [];
}
