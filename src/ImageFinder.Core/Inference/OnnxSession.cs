using System.Runtime.InteropServices;
using System.Text;
using ImageFinder.Inference.Interop;

namespace ImageFinder.Inference;

/// <summary>
/// One ONNX Runtime inference session on the CPU, with a float32 input and a float32 output. The session is
/// created with all graph optimisations, the memory-pattern planner and the CPU arena on, sequential
/// execution and a fixed number of intra-op threads. <see cref="Run"/> may be called from any thread;
/// callers that care about throughput call it from one thread at a time (see <see cref="InferenceQueue"/>).
/// </summary>
public sealed unsafe class OnnxSession : IDisposable
{
    private static readonly Lazy<OrtEnvHandle> Environment = new(CreateEnvironment);

    private readonly OrtSessionHandle session;
    private readonly OrtMemoryInfoHandle memoryInfo;

    private OnnxSession(string modelPath, OrtSessionHandle session, OrtMemoryInfoHandle memoryInfo)
    {
        ModelPath = modelPath;
        this.session = session;
        this.memoryInfo = memoryInfo;
        Inputs = ReadSignature(isInput: true);
        Outputs = ReadSignature(isInput: false);
    }

    public string ModelPath { get; }

    /// <summary>The ONNX Runtime library's version string.</summary>
    public static string RuntimeVersion => OrtApi.Version;

    public IReadOnlyDictionary<string, TensorShape> Inputs { get; }

    public IReadOnlyDictionary<string, TensorShape> Outputs { get; }

    /// <summary>Loads <paramref name="modelPath"/>.</summary>
    /// <exception cref="OrtException">The file is missing, not an ONNX model, or uses operators this runtime lacks.</exception>
    /// <param name="modelPath">The .onnx file.</param>
    /// <param name="intraOpThreads">Threads one run may use.</param>
    /// <param name="allowSpinning">
    /// Whether ONNX Runtime's idle intra-op threads busy-wait for the next operator. Spinning shaves a little
    /// latency off a run but burns the cores that image decoding needs between runs.
    /// </param>
    public static OnnxSession Load(string modelPath, int intraOpThreads, bool allowSpinning = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(intraOpThreads, 1);
        var fullPath = Path.GetFullPath(modelPath);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"Model file not found: {fullPath}", fullPath);
        }

        var environment = Environment.Value;
        IntPtr options = IntPtr.Zero;
        OrtApi.Check(OrtApi.CreateSessionOptions(&options));
        using var optionsHandle = new OrtSessionOptionsHandle(options);
        OrtApi.Check(OrtApi.SetIntraOpNumThreads(options, intraOpThreads));
        OrtApi.Check(OrtApi.SetInterOpNumThreads(options, 1));
        OrtApi.Check(OrtApi.SetSessionExecutionMode(options, 0));
        OrtApi.Check(OrtApi.SetSessionGraphOptimizationLevel(options, OrtApi.GraphOptimizationAll));
        OrtApi.Check(OrtApi.EnableMemPattern(options));
        OrtApi.Check(OrtApi.EnableCpuMemArena(options));
        AddConfigEntry(options, "session.intra_op.allow_spinning", allowSpinning ? "1" : "0");

        var pathBytes = Utf8(fullPath);
        IntPtr sessionPointer = IntPtr.Zero;
        fixed (byte* path = pathBytes)
        {
            OrtApi.Check(OrtApi.CreateSession(environment.DangerousGetHandle(), path, options, &sessionPointer));
        }

        var session = new OrtSessionHandle(sessionPointer);
        try
        {
            IntPtr info = IntPtr.Zero;
            OrtApi.Check(OrtApi.CreateCpuMemoryInfo(OrtApi.AllocatorTypeArena, OrtApi.MemTypeDefault, &info));
            return new OnnxSession(fullPath, session, new OrtMemoryInfoHandle(info));
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Runs the model on one float32 tensor and returns one float32 output, with its shape.</summary>
    public float[] Run(string inputName, ReadOnlySpan<float> input, ReadOnlySpan<long> inputShape, string outputName, out long[] outputShape)
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

        var inputNameBytes = Utf8(inputName);
        var outputNameBytes = Utf8(outputName);
        IntPtr inputValue = IntPtr.Zero;
        IntPtr outputValue = IntPtr.Zero;
        var addedSession = false;
        var addedInfo = false;
        try
        {
            session.DangerousAddRef(ref addedSession);
            memoryInfo.DangerousAddRef(ref addedInfo);
            fixed (float* data = input)
            fixed (long* shape = inputShape)
            fixed (byte* inName = inputNameBytes, outName = outputNameBytes)
            {
                OrtApi.Check(OrtApi.CreateTensorWithDataAsOrtValue(
                    memoryInfo.DangerousGetHandle(), data, (nuint)(input.Length * sizeof(float)), shape, (nuint)inputShape.Length, OrtApi.ElementTypeFloat, &inputValue));
                var inNames = stackalloc byte*[] { inName };
                var outNames = stackalloc byte*[] { outName };
                OrtApi.Check(OrtApi.Run(session.DangerousGetHandle(), IntPtr.Zero, inNames, &inputValue, 1, outNames, 1, &outputValue));
            }

            outputShape = ReadShape(outputValue);
            long count = 1;
            foreach (var dimension in outputShape)
            {
                count *= dimension;
            }

            void* outputData = null;
            OrtApi.Check(OrtApi.GetTensorMutableData(outputValue, &outputData));
            return new ReadOnlySpan<float>(outputData, checked((int)count)).ToArray();
        }
        finally
        {
            OrtApi.ReleaseValue(outputValue);
            OrtApi.ReleaseValue(inputValue);
            if (addedInfo)
            {
                memoryInfo.DangerousRelease();
            }

            if (addedSession)
            {
                session.DangerousRelease();
            }
        }
    }

    public void Dispose()
    {
        memoryInfo.Dispose();
        session.Dispose();
    }

    private static OrtEnvHandle CreateEnvironment()
    {
        IntPtr environment = IntPtr.Zero;
        fixed (byte* logId = "imagefinder\0"u8)
        {
            OrtApi.Check(OrtApi.CreateEnv(OrtApi.LoggingLevelWarning, logId, &environment));
        }

        return new OrtEnvHandle(environment);
    }

    private static void AddConfigEntry(IntPtr options, string key, string value)
    {
        fixed (byte* keyBytes = Utf8(key), valueBytes = Utf8(value))
        {
            OrtApi.Check(OrtApi.AddSessionConfigEntry(options, keyBytes, valueBytes));
        }
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text + "\0");

    private static long[] ReadShape(IntPtr value)
    {
        IntPtr info = IntPtr.Zero;
        OrtApi.Check(OrtApi.GetTensorTypeAndShape(value, &info));
        using var handle = new OrtTensorTypeAndShapeInfoHandle(info);
        return ReadDimensions(info);
    }

    private static long[] ReadDimensions(IntPtr tensorInfo)
    {
        nuint count = 0;
        OrtApi.Check(OrtApi.GetDimensionsCount(tensorInfo, &count));
        var dimensions = new long[(int)count];
        fixed (long* pointer = dimensions)
        {
            OrtApi.Check(OrtApi.GetDimensions(tensorInfo, pointer, count));
        }

        return dimensions;
    }

    private Dictionary<string, TensorShape> ReadSignature(bool isInput)
    {
        var sessionPointer = session.DangerousGetHandle();
        IntPtr allocator = IntPtr.Zero;
        OrtApi.Check(OrtApi.GetAllocatorWithDefaultOptions(&allocator));
        nuint count = 0;
        OrtApi.Check(isInput ? OrtApi.SessionGetInputCount(sessionPointer, &count) : OrtApi.SessionGetOutputCount(sessionPointer, &count));
        var signature = new Dictionary<string, TensorShape>(StringComparer.Ordinal);
        for (nuint index = 0; index < count; index++)
        {
            byte* name = null;
            OrtApi.Check(isInput ? OrtApi.SessionGetInputName(sessionPointer, index, allocator, &name) : OrtApi.SessionGetOutputName(sessionPointer, index, allocator, &name));
            string text;
            try
            {
                text = Marshal.PtrToStringUTF8((IntPtr)name) ?? string.Empty;
            }
            finally
            {
                OrtApi.Check(OrtApi.AllocatorFree(allocator, name));
            }

            IntPtr typeInfo = IntPtr.Zero;
            OrtApi.Check(isInput ? OrtApi.SessionGetInputTypeInfo(sessionPointer, index, &typeInfo) : OrtApi.SessionGetOutputTypeInfo(sessionPointer, index, &typeInfo));
            using var typeInfoHandle = new OrtTypeInfoHandle(typeInfo);
            IntPtr tensorInfo = IntPtr.Zero; // borrowed from typeInfo: not released separately
            OrtApi.Check(OrtApi.CastTypeInfoToTensorInfo(typeInfo, &tensorInfo));
            if (tensorInfo == IntPtr.Zero)
            {
                throw new OrtException(OrtErrorCode.InvalidArgument, $"{(isInput ? "Input" : "Output")} '{text}' is not a tensor.");
            }

            var elementType = 0;
            OrtApi.Check(OrtApi.GetTensorElementType(tensorInfo, &elementType));
            if (elementType != OrtApi.ElementTypeFloat)
            {
                throw new OrtException(OrtErrorCode.InvalidArgument, $"{(isInput ? "Input" : "Output")} '{text}' has element type {elementType}; ImageFinder needs float32.");
            }

            signature[text] = new TensorShape(ReadDimensions(tensorInfo));
        }

        return signature;
    }
}
