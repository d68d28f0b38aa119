namespace ImageFinder.Inference.Interop;

/// <summary>An ONNX Runtime call failed; the message is ONNX Runtime's own.</summary>
public sealed class OrtException : Exception
{
    public OrtException(OrtErrorCode code, string message)
        : base($"ONNX Runtime error {code}: {message}") => Code = code;

    public OrtErrorCode Code { get; }
}
