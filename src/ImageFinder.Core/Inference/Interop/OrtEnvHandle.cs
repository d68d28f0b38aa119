namespace ImageFinder.Inference.Interop;

/// <summary>Owns an <c>OrtEnv</c>.</summary>
internal sealed class OrtEnvHandle : OrtHandle
{
    public OrtEnvHandle(IntPtr handle)
        : base(handle)
    {
    }

    protected override unsafe bool ReleaseHandle()
    {
        OrtApi.ReleaseEnv(handle);
        return true;
    }
}
