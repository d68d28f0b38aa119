using System.Diagnostics;
using ImageFinder.Inference;

namespace ImageFinder.Bench.Support;

/// <summary>Times bare ONNX Runtime: <see cref="OnnxSession.Run"/> on ready-made tensors, nothing else.</summary>
internal sealed class OrtTimer
{
    private readonly OnnxSession session;
    private readonly ModelCard card;
    private readonly float[] input;

    public OrtTimer(OnnxSession session, ModelCard card, int maxBatchSize)
    {
        this.session = session;
        this.card = card;
        TensorLength = card.Preprocessing.TensorLength;
        input = new float[TensorLength * maxBatchSize];
        var random = new SplitMix64(0x7E5);
        for (var i = 0; i < input.Length; i++)
        {
            input[i] = (float)random.NextGaussian();
        }
    }

    public int TensorLength { get; }

    /// <summary>One run of a batch of <paramref name="batch"/> images; returns its time in milliseconds.</summary>
    public double Run(int batch)
    {
        long[] shape = [batch, 3, card.CropSize, card.CropSize];
        var stopwatch = Stopwatch.StartNew();
        // The output is only looked at, never copied: this is ONNX Runtime alone.
        var (length, outputShape) = session.Run(card.Input!, input.AsMemory(0, batch * TensorLength), shape, card.Output!, (output, dimensions) => (output.Length, dimensions.ToArray()));
        stopwatch.Stop();
        if (outputShape.Length != 2 || outputShape[0] != batch || length != batch * card.Dimension)
        {
            throw new InvalidOperationException($"The model returned shape [{string.Join(",", outputShape)}].");
        }

        return stopwatch.Elapsed.TotalMilliseconds;
    }

    /// <summary>Images per second over <paramref name="runs"/> consecutive runs of batch <paramref name="batch"/>.</summary>
    public double Throughput(int batch, int runs)
    {
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < runs; i++)
        {
            Run(batch);
        }

        return runs * batch / stopwatch.Elapsed.TotalSeconds;
    }

    /// <summary>Images per second of consecutive runs of batch <paramref name="batch"/> for at least <paramref name="seconds"/>.</summary>
    public double ThroughputFor(int batch, double seconds)
    {
        var runs = 0;
        var stopwatch = Stopwatch.StartNew();
        while (stopwatch.Elapsed.TotalSeconds < seconds)
        {
            Run(batch);
            runs++;
        }

        return runs * batch / stopwatch.Elapsed.TotalSeconds;
    }

    /// <summary>Batch-1 latency in milliseconds over <paramref name="runs"/> runs, after five untimed ones.</summary>
    public Distribution BatchOneLatency(int runs)
    {
        for (var i = 0; i < 5; i++)
        {
            Run(1);
        }

        return Distribution.Of(Enumerable.Range(0, runs).Select(_ => Run(1)).ToList());
    }
}
