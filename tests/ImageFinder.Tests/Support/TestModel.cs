using ImageFinder.Inference;

namespace ImageFinder.Tests.Support;

/// <summary>The committed tiny model (models/tiny-test.onnx): ResNet-50's I/O contract with a few random convolutions.</summary>
public static class TestModel
{
    public static string Path { get; } = System.IO.Path.Combine(AppContext.BaseDirectory, "models", "tiny-test.onnx");

    public static EmbedderOptions Options(int maxBatchSize = 8) => new()
    {
        ModelPath = Path,
        IntraOpThreads = 2,
        MaxBatchSize = maxBatchSize,
    };
}
