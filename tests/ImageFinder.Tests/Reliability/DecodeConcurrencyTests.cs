using System.Numerics.Tensors;
using ImageFinder.Imaging;
using ImageFinder.Inference;
using ImageFinder.Tests.Support;

namespace ImageFinder.Tests.Reliability;

/// <summary>
/// Concurrent requests decode at most <see cref="EmbedderOptions.DecodeConcurrency"/> images at once: one decode
/// can take hundreds of MB (a 6000x6000 progressive JPEG of 430 KB peaks at about 210 MB), so the number of
/// decodes in flight, not the number of requests, is what bounds the API's memory.
/// </summary>
public sealed class DecodeConcurrencyTests
{
    [Fact]
    public async Task Sixteen_simultaneous_callers_decode_two_at_a_time_and_all_get_their_embedding()
    {
        using var embedder = OnnxImageEmbedder.Load(TestModel.Options() with { DecodeConcurrency = 2 });
        var image = TestImages.Pattern(5, 1600, 1200, EncodedFormat.Jpeg);
        var expected = (await embedder.EmbedAsync(image)).Vector;

        const int callers = 16;
        using var start = new Barrier(callers);
        var results = new float[callers][];
        var threads = Enumerable.Range(0, callers).Select(i => new Thread(() =>
        {
            start.SignalAndWait();
            results[i] = embedder.EmbedAsync(image).GetAwaiter().GetResult().Vector;
        })).ToList();
        threads.ForEach(thread => thread.Start());
        threads.ForEach(thread => thread.Join());

        Assert.InRange(embedder.PeakConcurrentDecodes, 1, 2);
        Assert.All(results, vector => Assert.True(TensorPrimitives.Distance(vector, expected) < 1e-3f));
    }

    [Fact]
    public async Task Callers_beyond_the_queue_and_the_decode_slots_are_refused_at_once_and_the_rest_succeed()
    {
        using var embedder = OnnxImageEmbedder.Load(TestModel.Options() with { DecodeConcurrency = 1, QueueCapacity = 1 });
        var image = TestImages.Pattern(6, 1600, 1200, EncodedFormat.Jpeg);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 24).Select(_ => Task.Run(async () =>
        {
            try
            {
                await embedder.EmbedAsync(image);
                return "embedded";
            }
            catch (InferenceBusyException)
            {
                return "busy";
            }
        })));

        Assert.Contains("embedded", outcomes);
        Assert.Contains("busy", outcomes);
        Assert.Equal(1, embedder.PeakConcurrentDecodes);
    }

    [Fact]
    public async Task Thumbnail_work_shares_the_decode_slots_and_is_shed_once_they_and_the_queue_are_taken()
    {
        // Admission is QueueCapacity + DecodeConcurrency = 2: one decode holds the slot, one waits for it, a third is shed.
        using var embedder = OnnxImageEmbedder.Load(TestModel.Options() with { DecodeConcurrency = 1, QueueCapacity = 1 });
        using var holding = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var first = Task.Run(() => embedder.DecodeAsync(() =>
        {
            holding.Set();
            release.Wait();
            return 1;
        }));
        holding.Wait();
        var second = embedder.DecodeAsync(() => 2);

        await Assert.ThrowsAsync<InferenceBusyException>(() => embedder.DecodeAsync(() => 3));
        Assert.False(second.IsCompleted, "the second caller waits for the slot");

        release.Set();
        Assert.Equal(1, await first);
        Assert.Equal(2, await second);
        Assert.Equal(1, embedder.PeakConcurrentDecodes);
    }
}
