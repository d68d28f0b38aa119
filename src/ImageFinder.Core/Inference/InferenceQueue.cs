using System.Diagnostics;
using System.Threading.Channels;

namespace ImageFinder.Inference;

/// <summary>
/// Runs inference on one dedicated thread per session and batches whatever is waiting into a single ONNX Runtime
/// run (up to <c>maxBatchSize</c>). With one session (the default) runs are serialised and each uses all the
/// intra-op threads it was given; with several, each session's thread takes the next batch when its run ends, so
/// runs overlap on the cores they were sized for. Requests that arrive while a run is in progress form the next
/// batch, so batching costs a lone request no added wait. <see cref="TryEnqueueAll"/> queues several tensors at
/// once, so that they share runs instead of the first one running alone. The queue is bounded; <see cref="TryEnqueue"/>
/// refuses when it is full, so callers can shed load instead of piling up. Each run's size and time, and the requests
/// waiting, are measured by <see cref="InferenceMetrics"/>.
/// </summary>
public sealed class InferenceQueue : IDisposable
{
    private readonly string inputName;
    private readonly string outputName;
    private readonly int tensorLength;
    private readonly int cropSize;
    private readonly int dimension;
    private readonly int maxBatchSize;
    private readonly Channel<Request> requests;
    private readonly Thread[] workers;
    private readonly int capacity;

    // Writers write and the inference threads take their batches under this lock (never held across a wait), so a
    // group queued by TryEnqueueAll is seen whole or not at all, and its room check cannot race another writer.
    private readonly Lock taking = new();
    private long runs;
    private long images;

    public InferenceQueue(OnnxSession session, ModelCard card, int maxBatchSize, int capacity)
        : this([session], card, maxBatchSize, capacity)
    {
    }

    /// <summary>A queue served by <paramref name="sessions"/>, one thread each.</summary>
    public InferenceQueue(IReadOnlyList<OnnxSession> sessions, ModelCard card, int maxBatchSize, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfZero(sessions.Count);
        inputName = card.Input!;
        outputName = card.Output!;
        cropSize = card.CropSize;
        tensorLength = card.Preprocessing.TensorLength;
        dimension = card.Dimension;
        this.maxBatchSize = maxBatchSize;
        this.capacity = capacity;
        requests = Channel.CreateBounded<Request>(new BoundedChannelOptions(capacity)
        {
            SingleReader = sessions.Count == 1,
            FullMode = BoundedChannelFullMode.Wait,
        });
        workers = [.. sessions.Select((session, i) => new Thread(() => Work(session)) { IsBackground = true, Name = $"ImageFinder inference {i + 1}" })];
        foreach (var worker in workers)
        {
            worker.Start();
        }

        InferenceMetrics.Observe(this);
    }

    /// <summary>Sessions serving the queue, each on its own thread.</summary>
    public int Sessions => workers.Length;

    /// <summary>Requests waiting to run.</summary>
    public int Pending => requests.Reader.Count;

    /// <summary>Most requests that can wait.</summary>
    public int Capacity => capacity;

    /// <summary>True when a new request would be refused by <see cref="TryEnqueue"/> right now.</summary>
    public bool IsFull => requests.Reader.Count >= capacity;

    /// <summary>Number of ONNX Runtime runs so far, and the images they held.</summary>
    public (long Runs, long Images) Statistics => (Interlocked.Read(ref runs), Interlocked.Read(ref images));

    /// <summary>Queues one preprocessed CHW tensor, waiting for room; completes with its embedding.</summary>
    public async Task<float[]> EnqueueAsync(float[] tensor, CancellationToken cancellationToken = default)
    {
        var request = Create(tensor, cancellationToken);
        while (!TryWrite([request]))
        {
            if (!await requests.Writer.WaitToWriteAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new ChannelClosedException();
            }
        }

        return await request.Completion.Task.ConfigureAwait(false);
    }

    /// <summary>Queues one tensor if there is room now; false when the queue is full.</summary>
    public bool TryEnqueue(float[] tensor, CancellationToken cancellationToken, out Task<float[]> embedding)
    {
        var request = Create(tensor, cancellationToken);
        embedding = request.Completion.Task;
        return TryWrite([request]);
    }

    /// <summary>
    /// Queues all of <paramref name="tensors"/> at once if there is room for all of them now (false, and nothing queued,
    /// otherwise). An inference thread sees them together: on an idle queue they fill ⌈count / maxBatchSize⌉ runs,
    /// where tensors queued one by one as they are ready could each run alone. <paramref name="embeddings"/> are in
    /// the order of <paramref name="tensors"/>.
    /// </summary>
    public bool TryEnqueueAll(IReadOnlyList<float[]> tensors, CancellationToken cancellationToken, out Task<float[]>[] embeddings)
    {
        var group = tensors.Select(tensor => Create(tensor, cancellationToken)).ToArray();
        embeddings = [.. group.Select(request => request.Completion.Task)];
        return TryWrite(group);
    }

    public void Dispose()
    {
        InferenceMetrics.Forget(this);
        lock (taking)
        {
            requests.Writer.TryComplete();
        }

        foreach (var worker in workers)
        {
            worker.Join();
        }
    }

    /// <summary>Writes the whole group, or none of it when there is not room for all.</summary>
    private bool TryWrite(Request[] group)
    {
        lock (taking)
        {
            // Every write is made under this lock and the inference threads only take away, so the room seen here stays.
            if (capacity - requests.Reader.Count < group.Length)
            {
                return false;
            }

            // With room, a write fails only when the queue is closed, and Dispose closes it under this lock too: before
            // the group's first write or after its last.
            return group.All(requests.Writer.TryWrite);
        }
    }

    private Request Create(float[] tensor, CancellationToken cancellationToken)
    {
        if (tensor.Length < tensorLength)
        {
            throw new ArgumentException($"A tensor needs {tensorLength} floats.", nameof(tensor));
        }

        return new Request(tensor, new TaskCompletionSource<float[]>(TaskCreationOptions.RunContinuationsAsynchronously), cancellationToken);
    }

    private void Work(OnnxSession session)
    {
        var reader = requests.Reader;
        var batch = new List<Request>(maxBatchSize);
        // Not pinned: ONNX Runtime pins it for the length of each run only.
        var batchBuffer = GC.AllocateUninitializedArray<float>(tensorLength * maxBatchSize);
        // A dedicated thread, not a pool thread: blocking here while idle starves nobody.
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            batch.Clear();
            lock (taking)
            {
                while (batch.Count < maxBatchSize && reader.TryRead(out var request))
                {
                    if (request.Cancellation.IsCancellationRequested)
                    {
                        request.Completion.TrySetCanceled(request.Cancellation);
                        continue;
                    }

                    batch.Add(request);
                }
            }

            if (batch.Count > 0)
            {
                RunBatch(session, batch, batchBuffer);
            }
        }
    }

    private void RunBatch(OnnxSession session, List<Request> batch, float[] batchBuffer)
    {
        try
        {
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Tensor.AsSpan(0, tensorLength).CopyTo(batchBuffer.AsSpan(i * tensorLength, tensorLength));
            }

            long[] shape = [batch.Count, 3, cropSize, cropSize];
            var count = batch.Count;
            var started = Stopwatch.GetTimestamp();
            // Each request's vector is copied once, straight out of ONNX Runtime's output, into the array it keeps.
            var vectors = session.Run(inputName, batchBuffer.AsMemory(0, count * tensorLength), shape, outputName, (output, outputShape) =>
            {
                if (outputShape.Length != 2 || outputShape[0] != count || outputShape[1] != dimension)
                {
                    throw new InvalidModelException($"The model returned shape [{string.Join(",", outputShape.ToArray())}]; expected [{count},{dimension}].");
                }

                var split = new float[count][];
                for (var i = 0; i < count; i++)
                {
                    split[i] = output.Slice(i * dimension, dimension).ToArray();
                }

                return split;
            });

            InferenceMetrics.Run(count, Stopwatch.GetElapsedTime(started).TotalSeconds);
            Interlocked.Increment(ref runs);
            Interlocked.Add(ref images, count);
            for (var i = 0; i < count; i++)
            {
                batch[i].Completion.TrySetResult(vectors[i]);
            }
        }
        catch (Exception e)
        {
            foreach (var request in batch)
            {
                request.Completion.TrySetException(e);
            }
        }
    }

    private sealed record Request(float[] Tensor, TaskCompletionSource<float[]> Completion, CancellationToken Cancellation);
}
