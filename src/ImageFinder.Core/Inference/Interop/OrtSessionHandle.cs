namespace ImageFinder.Inference.Interop;

/// <summary>Owns an <c>OrtSession</c>.</summary>
internal sealed class OrtSessionHandle : OrtHandle
{
    public OrtSessionHandle(IntPtr handle)
        : base(handle)
    {
    }

    protected override unsafe bool ReleaseHandle()
    {
        OrtApi.ReleaseSession(handle);
        return true;
    }
}
