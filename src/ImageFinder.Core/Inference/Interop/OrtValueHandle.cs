namespace ImageFinder.Inference.Interop;

/// <summary>Owns an <c>OrtValue</c>.</summary>
internal sealed class OrtValueHandle : OrtHandle
{
    public OrtValueHandle(IntPtr handle)
        : base(handle)
    {
    }

    protected override unsafe bool ReleaseHandle()
    {
        OrtApi.ReleaseValue(handle);
        return true;
    }
}
