using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace ImageFinder.Inference;

/// <summary>
/// One ONNX Runtime inference session on the CPU (the official <c>Microsoft.ML.OnnxRuntime</c> package), with a
/// float32 input and a float32 output. The session is created with all graph optimisations, the memory-pattern
/// planner and the CPU arena on, sequential execution and a fixed number of intra-op threads. <see cref="Run{TResult}"/>
/// may be called from any thread; callers that care about throughput call it from one thread at a time (see
/// <see cref="InferenceQueue"/>).
/// </summary>
public sealed class OnnxSession : IDisposable
{
    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();

    private OnnxSession(string modelPath, InferenceSession session)
    {
        ModelPath = modelPath;
        this.session = session;
        Inputs = Signature(session.InputMetadata, "Input");
        Outputs = Signature(session.OutputMetadata, "Output");
    }

    /// <summary>Reads a run's output while it is alive: its floats and its shape.</summary>
    public delegate TResult OutputReader<out TResult>(ReadOnlySpan<float> output, ReadOnlySpan<long> shape);

    public string ModelPath { get; }

    /// <summary>The ONNX Runtime library's version string.</summary>
    public static string RuntimeVersion => OrtEnv.Instance().GetVersionString();

    public IReadOnlyDictionary<string, TensorShape> Inputs { get; }

    public IReadOnlyDictionary<string, TensorShape> Outputs { get; }

    /// <summary>Loads <paramref name="modelPath"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="OnnxRuntimeException">The file is not an ONNX model, or uses operators this runtime lacks.</exception>
    /// <exception cref="InvalidModelException">An input or output is not a float32 tensor.</exception>
    /// <param name="modelPath">The .onnx file.</param>
    /// <param name="intraOpThreads">Threads one run may use.</param>
    /// <param name="allowSpinning">
    /// Whether ONNX Runtime's idle intra-op threads busy-wait for the next operator. Spinning shaves a little
    /// latency off a run but burns the cores that image decoding needs between runs.
    /// </param>
    /// <param name="sharedWeights">
    /// ONNX Runtime's container for weights it has re-laid-out for its kernels: sessions of one model loaded with the
    /// same container keep one copy of them instead of one each. The container must outlive the sessions.
    /// </param>
    public static OnnxSession Load(string modelPath, int intraOpThreads, bool allowSpinning = false, PrePackedWeightsContainer? sharedWeights = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(intraOpThreads, 1);
        var fullPath = Path.GetFullPath(modelPath);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"Model file not found: {fullPath}", fullPath);
        }

        using var options = new SessionOptions
        {
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            EnableMemoryPattern = true,
            EnableCpuMemArena = true,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_WARNING,
            LogId = "imagefinder",
        };

        // ONNX Runtime does not validate config keys: a typo here would be silently ignored (see the session tests).
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", allowSpinning ? "1" : "0");
        var session = sharedWeights is null ? new InferenceSession(fullPath, options) : new InferenceSession(fullPath, options, sharedWeights);
        try
        {
            return new OnnxSession(fullPath, session);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs the model on one float32 tensor and hands its output to <paramref name="read"/> while it is alive, so
    /// the caller copies what it keeps once. The input is not copied: ONNX Runtime reads <paramref name="input"/>
    /// in place, pinned for this call only.
    /// </summary>
    public TResult Run<TResult>(string inputName, Memory<float> input, long[] inputShape, string outputName, OutputReader<TResult> read)
    {
        long expected = 1;
        foreach (var dimension in inputShape)
        {
            expected *= dimension;
        }

        if (expected != input.Length)
        {
            throw new ArgumentException($"Input holds {input.Length} floats; shape needs {expected}.", nameof(input));
        }

        using var value = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, input, inputShape);
        using var outputs = session.Run(runOptions, [inputName], [value], [outputName]);
        var output = outputs[0];
        return read(output.GetTensorDataAsSpan<float>(), output.GetTensorTypeAndShape().Shape);
    }

    /// <summary>Runs the model on one float32 tensor and returns a copy of its output, with its shape.</summary>
    public float[] Run(string inputName, Memory<float> input, long[] inputShape, string outputName, out long[] outputShape)
    {
        var (data, shape) = Run(inputName, input, inputShape, outputName, (output, dimensions) => (output.ToArray(), dimensions.ToArray()));
        outputShape = shape;
        return data;
    }

    public void Dispose()
    {
        runOptions.Dispose();
        session.Dispose();
    }

    private static Dictionary<string, TensorShape> Signature(IReadOnlyDictionary<string, NodeMetadata> metadata, string kind)
    {
        var signature = new Dictionary<string, TensorShape>(StringComparer.Ordinal);
        foreach (var (name, node) in metadata)
        {
            if (!node.IsTensor)
            {
                throw new InvalidModelException($"{kind} '{name}' is not a tensor.");
            }

            if (node.ElementDataType != TensorElementType.Float)
            {
                throw new InvalidModelException($"{kind} '{name}' has element type {node.ElementDataType}; ImageFinder needs float32.");
            }

            signature[name] = new TensorShape([.. node.Dimensions.Select(d => (long)d)]);
        }

        return signature;
    }
}
