namespace ImageFinder.Inference.Interop;

/// <summary>Owns an <c>OrtTypeInfo</c>.</summary>
internal sealed class OrtTypeInfoHandle : OrtHandle
{
    public OrtTypeInfoHandle(IntPtr handle)
        : base(handle)
    {
    }

    protected override unsafe bool ReleaseHandle()
    {
        OrtApi.ReleaseTypeInfo(handle);
        return true;
    }
}
