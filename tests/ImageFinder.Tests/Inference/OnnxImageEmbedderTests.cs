using System.Numerics.Tensors;
using ImageFinder.Inference;
using ImageFinder.Inference.Interop;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Inference;

public sealed class OnnxImageEmbedderTests : IDisposable
{
    private readonly OnnxImageEmbedder embedder = OnnxImageEmbedder.Load(TestModel.Options());

    [Fact]
    public void Model_card_names_the_test_model_and_its_contract()
    {
        Assert.StartsWith("tiny-test-cnn", embedder.Model.Name);
        Assert.Contains("NOT ResNet-50", embedder.Model.Name);
        Assert.Equal(2048, embedder.Model.Dimension);
        Assert.Equal("input", embedder.Card.Input);
        Assert.Equal("features", embedder.Card.Output);
        Assert.Equal(224, embedder.Card.CropSize);
    }

    [Fact]
    public async Task Same_image_gives_the_same_vector_and_different_images_differ()
    {
        var a = await embedder.EmbedAsync(TestImages.Pattern(1));
        var again = await embedder.EmbedAsync(TestImages.Pattern(1));
        var b = await embedder.EmbedAsync(TestImages.Pattern(2));

        Assert.Equal(2048, a.Vector.Length);
        Assert.Equal(a.Vector, again.Vector);
        Assert.True(TensorPrimitives.Distance(a.Vector, b.Vector) > 1f);
    }

    [Fact]
    public async Task Batched_inference_matches_one_at_a_time()
    {
        var images = Enumerable.Range(10, 12).Select(i => TestImages.Pattern(i, 200, 160)).ToArray();
        var single = new List<float[]>();
        foreach (var image in images)
        {
            single.Add((await embedder.EmbedAsync(image)).Vector);
        }

        var before = embedder.Queue.Statistics;
        var concurrent = await Task.WhenAll(images.Select(image => Task.Run(() => embedder.EmbedAsync(image))));
        var after = embedder.Queue.Statistics;

        for (var i = 0; i < images.Length; i++)
        {
            Assert.True(TensorPrimitives.Distance(single[i], concurrent[i].Vector) < 1e-3f, $"image {i} differs when batched");
        }

        Assert.Equal(12, after.Images - before.Images);
    }

    [Fact]
    public void Missing_model_file_is_a_clear_error()
    {
        var error = Assert.Throws<FileNotFoundException>(() => OnnxImageEmbedder.Load(new EmbedderOptions { ModelPath = "/nonexistent/model.onnx" }));
        Assert.Contains("/nonexistent/model.onnx", error.Message);
    }

    [Fact]
    public void A_file_that_is_not_onnx_is_an_ort_error_with_its_message()
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"not-a-model-{Guid.NewGuid():N}.onnx");
        File.WriteAllText(path, "definitely not protobuf");
        try
        {
            var error = Assert.Throws<OrtException>(() => OnnxImageEmbedder.Load(new EmbedderOptions { ModelPath = path }));
            Assert.NotEqual(OrtErrorCode.Ok, error.Code);
            Assert.Contains("ONNX Runtime error", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public void Dispose() => embedder.Dispose();
}
