using Microsoft.Win32.SafeHandles;

namespace ImageFinder.Imaging.Interop;

/// <summary>Owns one reference to a <c>VipsImage</c> GObject.</summary>
internal sealed class VipsImageHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public VipsImageHandle()
        : base(ownsHandle: true)
    {
    }

    public VipsImageHandle(IntPtr image)
        : base(ownsHandle: true) => SetHandle(image);

    protected override bool ReleaseHandle()
    {
        VipsNative.g_object_unref(handle);
        return true;
    }
}
