using System.Buffers;
using System.Diagnostics;
using System.Security.Cryptography;
using ImageFinder.Imaging;
using Microsoft.ML.OnnxRuntime;

namespace ImageFinder.Inference;

/// <summary>
/// The CNN embedder: libvips preprocessing as the model card says, then the ONNX model (ResNet-50 by
/// default: <c>[N,3,224,224]</c> in, pooled <c>[N,2048]</c> features out) through its sessions (one by default,
/// sharing their prepacked weights) and an <see cref="InferenceQueue"/> that batches concurrent requests into one run.
/// </summary>
public sealed class OnnxImageEmbedder : IImageEmbedder, IDisposable
{
    private readonly OnnxSession[] sessions;
    private readonly PrePackedWeightsContainer sharedWeights;
    private readonly InferenceQueue queue;
    private readonly SemaphoreSlim decodeSlots;
    private readonly int admissionLimit;
    private int admitted;
    private int decoding;
    private int peakDecoding;

    private OnnxImageEmbedder(OnnxSession[] sessions, PrePackedWeightsContainer sharedWeights, ModelCard card, string sha256, EmbedderOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.DecodeConcurrency, 1);
        this.sessions = sessions;
        this.sharedWeights = sharedWeights;
        Card = card;
        Model = new EmbeddingModel(card.Name, card.Description, card.Dimension, sessions[0].ModelPath, sha256);
        Preprocessor = new ImagePreprocessor(card.Preprocessing, options.MaxImagePixels);
        queue = new InferenceQueue(sessions, card, options.MaxBatchSize, options.QueueCapacity);
        decodeSlots = new SemaphoreSlim(options.DecodeConcurrency, options.DecodeConcurrency);
        // Requests inside EmbedAsync (waiting for a decode slot, decoding, or queued for inference) are bounded too.
        admissionLimit = options.QueueCapacity + options.DecodeConcurrency;
    }

    public EmbeddingModel Model { get; }

    public ModelCard Card { get; }

    public ImagePreprocessor Preprocessor { get; }

    public InferenceQueue Queue => queue;

    /// <summary>The most images <see cref="EmbedAsync"/> has decoded at the same moment so far.</summary>
    public int PeakConcurrentDecodes => Volatile.Read(ref peakDecoding);

    /// <summary>Loads the model and its card, and checks they fit together.</summary>
    public static OnnxImageEmbedder Load(EmbedderOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Sessions, 1);
        var sharedWeights = new PrePackedWeightsContainer();
        var sessions = new List<OnnxSession>(options.Sessions);
        // The model file's hash (about 0.1 s for ResNet-50) is read while ONNX Runtime builds the sessions (about 0.4 s
        // each): both are on the start-up path of every job, and by the time the sessions are built the hash is ready.
        var hashing = Task.Run(() => FileSha256(options.ModelPath));
        try
        {
            while (sessions.Count < options.Sessions)
            {
                sessions.Add(OnnxSession.Load(options.ModelPath, options.IntraOpThreads, options.AllowSpinning, sharedWeights));
            }

            var card = ModelCard.Load(options.ModelPath, sessions[0]);
            return new OnnxImageEmbedder([.. sessions], sharedWeights, card, hashing.GetAwaiter().GetResult(), options);
        }
        catch
        {
            sessions.ForEach(session => session.Dispose());
            sharedWeights.Dispose();
            hashing.ContinueWith(_ => { }, TaskScheduler.Default).GetAwaiter().GetResult();
            throw;
        }
    }

    /// <summary>The SHA-256 of a model file, lower-case hex (streamed: a 500 MB VGG-16 is not read into memory).</summary>
    public static string FileSha256(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }

    public bool IsBusy => Volatile.Read(ref admitted) >= admissionLimit || queue.IsFull;

    /// <inheritdoc/>
    /// <exception cref="InferenceBusyException">
    /// The inference queue is full, or as many requests as it holds are already waiting; checked before decoding, so
    /// shed requests cost little.
    /// </exception>
    public async Task<ImageEmbedding> EmbedAsync(ReadOnlyMemory<byte> encoded, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Increment(ref admitted) > admissionLimit || queue.IsFull)
        {
            Interlocked.Decrement(ref admitted);
            throw new InferenceBusyException(queue.Capacity);
        }

        float[]? tensor = null;
        try
        {
            ImageSize size;
            await decodeSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
            var decodeStarted = Stopwatch.GetTimestamp();
            try
            {
                var now = Interlocked.Increment(ref decoding);
                InterlockedMax(ref peakDecoding, now);
                tensor = RentTensor();
                size = Preprocessor.Prepare(encoded, tensor.AsSpan(0, Preprocessor.Spec.TensorLength));
            }
            finally
            {
                Interlocked.Decrement(ref decoding);
                decodeSlots.Release();
            }

            var inferenceStarted = Stopwatch.GetTimestamp();
            if (!queue.TryEnqueue(tensor, cancellationToken, out var embedding))
            {
                throw new InferenceBusyException(queue.Capacity);
            }

            // Only the inference thread completes this task, after it has copied the tensor: safe to return it then.
            var vector = await embedding.ConfigureAwait(false);
            return new ImageEmbedding(vector, size, Stopwatch.GetElapsedTime(decodeStarted, inferenceStarted), Stopwatch.GetElapsedTime(inferenceStarted));
        }
        finally
        {
            Interlocked.Decrement(ref admitted);
            if (tensor is not null)
            {
                ArrayPool<float>.Shared.Return(tensor);
            }
        }
    }

    /// <summary>
    /// Embeds several images as one group: each is decoded and preprocessed (up to DecodeConcurrency at once, on pool
    /// threads), then the usable ones join the inference queue together (<see cref="InferenceQueue.TryEnqueueAll"/>), so
    /// they share runs: on an idle queue, ⌈usable / MaxBatchSize⌉ of them. An image that is not usable gets its
    /// <see cref="ImageDecodeException"/> in its place and the others go on. The outcomes are in the order of
    /// <paramref name="images"/>; each one's Inference time runs from the group joining the queue to its vector.
    /// </summary>
    /// <exception cref="InferenceBusyException">
    /// The group would not fit now: with the requests already admitted it would pass the admission limit, or the queue
    /// has no room for all of it. Checked before decoding, and again before queueing; nothing is inferred then.
    /// </exception>
    public async Task<IReadOnlyList<EmbeddingOutcome>> EmbedBatchAsync(IReadOnlyList<ReadOnlyMemory<byte>> images, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        var count = images.Count;
        if (count == 0)
        {
            return [];
        }

        if (Interlocked.Add(ref admitted, count) > admissionLimit || queue.Capacity - queue.Pending < count)
        {
            Interlocked.Add(ref admitted, -count);
            throw new InferenceBusyException(queue.Capacity);
        }

        var tensors = new float[]?[count];
        try
        {
            var decoded = await Task.WhenAll(images.Select((image, i) => Task.Run(() => DecodeForBatchAsync(image, tensors, i, cancellationToken), cancellationToken)))
                .ConfigureAwait(false);
            var usable = Enumerable.Range(0, count).Where(i => decoded[i].Failure is null).ToArray();
            var inferenceStarted = Stopwatch.GetTimestamp();
            if (!queue.TryEnqueueAll([.. usable.Select(i => tensors[i]!)], cancellationToken, out var embeddings))
            {
                throw new InferenceBusyException(queue.Capacity);
            }

            // Every task ends (with its vector, or cancelled) only once the inference thread is done with its tensor, so
            // all of them are awaited before the tensors go back to the pool; each one's end is its inference time.
            var finished = embeddings.Select(embedding => embedding.ContinueWith(
                _ => Stopwatch.GetTimestamp(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)).ToArray();
            await Task.WhenAll(finished).ConfigureAwait(false);
            var outcomes = decoded.Select(image => image.Failure is { } failure ? EmbeddingOutcome.Failed(failure) : null).ToArray();
            for (var j = 0; j < usable.Length; j++)
            {
                var image = decoded[usable[j]];
                var vector = await embeddings[j].ConfigureAwait(false);
                outcomes[usable[j]] = EmbeddingOutcome.Embedded(
                    new ImageEmbedding(vector, image.Size, image.Decode, Stopwatch.GetElapsedTime(inferenceStarted, finished[j].Result)));
            }

            return outcomes!;
        }
        finally
        {
            Interlocked.Add(ref admitted, -count);
            foreach (var tensor in tensors)
            {
                if (tensor is not null)
                {
                    ArrayPool<float>.Shared.Return(tensor);
                }
            }
        }
    }

    /// <inheritdoc/>
    public async Task<T> DecodeAsync<T>(Func<T> decode, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Increment(ref admitted) > admissionLimit)
        {
            Interlocked.Decrement(ref admitted);
            throw new InferenceBusyException(queue.Capacity);
        }

        try
        {
            await decodeSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                InterlockedMax(ref peakDecoding, Interlocked.Increment(ref decoding));
                return decode();
            }
            finally
            {
                Interlocked.Decrement(ref decoding);
                decodeSlots.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref admitted);
        }
    }

    /// <summary>
    /// One image of <see cref="EmbedBatchAsync"/>, under a decode slot: its tensor goes into <paramref name="tensors"/>
    /// (returned to the pool by the caller), and its size and decode time, or its failure, come back.
    /// </summary>
    private async Task<DecodedImage> DecodeForBatchAsync(ReadOnlyMemory<byte> image, float[]?[] tensors, int index, CancellationToken cancellationToken)
    {
        await decodeSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        var decodeStarted = Stopwatch.GetTimestamp();
        try
        {
            InterlockedMax(ref peakDecoding, Interlocked.Increment(ref decoding));
            var tensor = tensors[index] = RentTensor();
            var size = Preprocessor.Prepare(image, tensor.AsSpan(0, Preprocessor.Spec.TensorLength));
            return new DecodedImage(size, Stopwatch.GetElapsedTime(decodeStarted), null);
        }
        catch (ImageDecodeException e)
        {
            return new DecodedImage(default, Stopwatch.GetElapsedTime(decodeStarted), e);
        }
        finally
        {
            Interlocked.Decrement(ref decoding);
            decodeSlots.Release();
        }
    }

    public Task<float[]> InferAsync(float[] tensor, CancellationToken cancellationToken = default) =>
        queue.EnqueueAsync(tensor, cancellationToken);

    /// <summary>A pooled buffer big enough for one tensor; return it to <see cref="ArrayPool{T}.Shared"/>.</summary>
    public float[] RentTensor() => ArrayPool<float>.Shared.Rent(Preprocessor.Spec.TensorLength);

    public void Dispose()
    {
        queue.Dispose();
        foreach (var session in sessions)
        {
            session.Dispose();
        }

        sharedWeights.Dispose();
        decodeSlots.Dispose();
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>An image of a batch after decoding: its size and decode time, or why it is not usable.</summary>
    private readonly record struct DecodedImage(ImageSize Size, TimeSpan Decode, ImageDecodeException? Failure);
}
