using Microsoft.Win32.SafeHandles;

namespace ImageFinder.Bench.Knn;

/// <summary>A native USearch index (usearch_index_t), freed with usearch_free exactly once.</summary>
internal sealed class USearchIndexHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public USearchIndexHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        nint error = 0;
        USearchNative.Free(handle, ref error);
        return error == 0;
    }
}
