using System.Numerics.Tensors;
using ImageFinder.Inference;
using ImageFinder.Tests.Support;
using Microsoft.ML.OnnxRuntime;

namespace ImageFinder.Tests.Inference;

public sealed class OnnxImageEmbedderTests : IDisposable
{
    private readonly OnnxImageEmbedder embedder = OnnxImageEmbedder.Load(TestModel.Options());

    [Fact]
    public void Batch_of_four_in_one_session_run_equals_four_single_runs()
    {
        using var session = OnnxSession.Load(TestModel.Path, 2);
        var length = 3 * 224 * 224;
        var batch = new float[4 * length];
        for (var i = 0; i < 4; i++)
        {
            embedder.Preprocessor.Prepare(TestImages.Pattern(30 + i), batch.AsSpan(i * length, length));
        }

        var together = session.Run("input", batch, [4, 3, 224, 224], "features", out var shape);

        Assert.Equal([4L, 2048L], shape);
        for (var i = 0; i < 4; i++)
        {
            var alone = session.Run("input", batch.AsMemory(i * length, length), [1, 3, 224, 224], "features", out _);
            Assert.True(TensorPrimitives.Distance(alone, together.AsSpan(i * 2048, 2048)) < 1e-3f);
        }
    }

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
    public async Task Two_sessions_side_by_side_give_the_vectors_of_one_and_share_the_work()
    {
        using var two = OnnxImageEmbedder.Load(TestModel.Options() with { IntraOpThreads = 1, Sessions = 2, MaxBatchSize = 2 });
        var images = Enumerable.Range(40, 16).Select(i => TestImages.Pattern(i, 120, 90)).ToArray();
        var single = new List<float[]>();
        foreach (var image in images)
        {
            single.Add((await embedder.EmbedAsync(image)).Vector);
        }

        var concurrent = await Task.WhenAll(images.Select(image => Task.Run(() => two.EmbedAsync(image))));

        Assert.Equal(2, two.Queue.Sessions);
        for (var i = 0; i < images.Length; i++)
        {
            Assert.True(TensorPrimitives.Distance(single[i], concurrent[i].Vector) < 1e-3f, $"image {i} differs with two sessions");
        }

        // 16 images in batches of at most 2: at least 8 runs, whichever session ran them.
        var (runs, count) = two.Queue.Statistics;
        Assert.Equal(16, count);
        Assert.InRange(runs, 8, 16);
    }

    [Fact]
    public async Task A_full_queue_refuses_at_once_and_every_accepted_request_completes()
    {
        using var small = OnnxImageEmbedder.Load(TestModel.Options(maxBatchSize: 1) with { QueueCapacity = 2 });
        var tensor = new float[small.Preprocessor.Spec.TensorLength];
        small.Preprocessor.Prepare(TestImages.Pattern(4), tensor);

        var accepted = new List<Task<float[]>>();
        var refused = 0;
        for (var i = 0; i < 200; i++)
        {
            if (small.Queue.TryEnqueue(tensor, CancellationToken.None, out var embedding))
            {
                accepted.Add(embedding);
            }
            else
            {
                refused++;
            }
        }

        var vectors = await Task.WhenAll(accepted);
        Assert.True(refused > 0, "200 requests in a tight loop never filled a queue of 2");
        Assert.All(vectors, v => Assert.Equal(vectors[0], v));
        Assert.True(small.Queue.IsFull == false);
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
            var error = Assert.Throws<OnnxRuntimeException>(() => OnnxImageEmbedder.Load(new EmbedderOptions { ModelPath = path }));
            Assert.Contains("InvalidProtobuf", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    public void Dispose() => embedder.Dispose();
}
