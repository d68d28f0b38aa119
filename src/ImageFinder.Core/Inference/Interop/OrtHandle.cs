using Microsoft.Win32.SafeHandles;

namespace ImageFinder.Inference.Interop;

/// <summary>Base of the SafeHandles that own ONNX Runtime objects; each subclass knows its Release function.</summary>
internal abstract class OrtHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    protected OrtHandle(IntPtr handle)
        : base(ownsHandle: true) => SetHandle(handle);
}
