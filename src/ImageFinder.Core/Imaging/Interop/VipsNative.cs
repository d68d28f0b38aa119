using System.Runtime.InteropServices;
using ImageFinder.Native;

namespace ImageFinder.Imaging.Interop;

/// <summary>
/// The libvips C API calls ImageFinder uses. Plain functions are <c>LibraryImport</c>s; the variadic ones
/// (<c>const char* name, value, ..., NULL</c> option lists) are confined to this file and called through
/// function pointers with fixed trailing arguments and a terminating NULL. Only integer and pointer
/// arguments are ever passed through a variadic call, so the SysV x64 register rules are the same as for a
/// non-variadic call.
/// </summary>
internal static unsafe partial class VipsNative
{
    // VipsInterpretation, VipsBandFormat, VipsInteresting and VipsFailOn values from the libvips headers.
    internal const int InterpretationSrgb = 22;
    internal const int InterpretationCmyk = 15;
    internal const int FormatUChar = 0;
    internal const int InterestingCentre = 1;

    private static readonly delegate* unmanaged[Cdecl]<byte*, nuint, byte*, IntPtr, IntPtr> NewFromBufferFn =
        (delegate* unmanaged[Cdecl]<byte*, nuint, byte*, IntPtr, IntPtr>)NativeLibraries.GetExport(NativeLibraries.VipsLibrary, "vips_image_new_from_buffer");

    private static readonly delegate* unmanaged[Cdecl]<byte*, nuint, IntPtr*, int, byte*, int, byte*, int, byte*, IntPtr, IntPtr, int> ThumbnailBufferFn =
        (delegate* unmanaged[Cdecl]<byte*, nuint, IntPtr*, int, byte*, int, byte*, int, byte*, IntPtr, IntPtr, int>)NativeLibraries.GetExport(NativeLibraries.VipsLibrary, "vips_thumbnail_buffer");

    private static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, int, IntPtr, int> ColourspaceFn =
        (delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, int, IntPtr, int>)NativeLibraries.GetExport(NativeLibraries.VipsLibrary, "vips_colourspace");

    private static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, int, IntPtr, int> CastFn =
        (delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, int, IntPtr, int>)NativeLibraries.GetExport(NativeLibraries.VipsLibrary, "vips_cast");

    private static readonly delegate* unmanaged[Cdecl]<IntPtr, byte*, IntPtr*, nuint*, IntPtr, int> WriteToBufferFn =
        (delegate* unmanaged[Cdecl]<IntPtr, byte*, IntPtr*, nuint*, IntPtr, int>)NativeLibraries.GetExport(NativeLibraries.VipsLibrary, "vips_image_write_to_buffer");

    private static readonly delegate* unmanaged[Cdecl]<byte*, nuint, IntPtr*, int, byte*, IntPtr, IntPtr, int> ThumbnailFitBufferFn =
        (delegate* unmanaged[Cdecl]<byte*, nuint, IntPtr*, int, byte*, IntPtr, IntPtr, int>)NativeLibraries.GetExport(NativeLibraries.VipsLibrary, "vips_thumbnail_buffer");

    private static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, byte*, int, IntPtr, int> CopyFn =
        (delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, byte*, int, IntPtr, int>)NativeLibraries.GetExport(NativeLibraries.VipsLibrary, "vips_copy");

    private static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, int, int, int, int, IntPtr, int> ExtractAreaFn =
        (delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, int, int, int, int, IntPtr, int>)NativeLibraries.GetExport(NativeLibraries.VipsLibrary, "vips_extract_area");

    private static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, double, double, IntPtr, int> ShrinkFn =
        (delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, double, double, IntPtr, int>)NativeLibraries.GetExport(NativeLibraries.VipsLibrary, "vips_shrink");

    private static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, IntPtr, int> AutorotFn =
        (delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, IntPtr, int>)NativeLibraries.GetExport(NativeLibraries.VipsLibrary, "vips_autorot");

    private static readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, byte*, IntPtr, IntPtr, int> FlattenFn =
        (delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, byte*, IntPtr, IntPtr, int>)NativeLibraries.GetExport(NativeLibraries.VipsLibrary, "vips_flatten");

    private static ReadOnlySpan<byte> EmptyOptions => ""u8;
    private static ReadOnlySpan<byte> InterpretationOption => "interpretation\0"u8;
    private static ReadOnlySpan<byte> HeightOption => "height\0"u8;
    private static ReadOnlySpan<byte> CropOption => "crop\0"u8;
    private static ReadOnlySpan<byte> OptionStringOption => "option_string\0"u8;

    // Loader options: fail on truncated or broken data instead of filling the missing part with grey.
    // (thumbnail's own "fail_on" option is not passed on to the loader; "option_string" is.)
    private static ReadOnlySpan<byte> StrictLoad => "fail_on=error\0"u8;

    private static ReadOnlySpan<byte> BackgroundOption => "background\0"u8;

    // Decoding options per JPEG shrink-on-load factor (index 0..3 for 1, 2, 4, 8), read top to bottom once
    // (no whole-image buffer). Non-JPEG loaders get no "shrink".
    private static readonly byte[][] SequentialLoads =
    [
        "access=sequential,fail_on=error\0"u8.ToArray(),
        "access=sequential,fail_on=error,shrink=2\0"u8.ToArray(),
        "access=sequential,fail_on=error,shrink=4\0"u8.ToArray(),
        "access=sequential,fail_on=error,shrink=8\0"u8.ToArray(),
    ];

    [LibraryImport(NativeLibraries.Vips, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int vips_init(string argv0);

    [LibraryImport(NativeLibraries.Vips)]
    internal static partial void vips_concurrency_set(int concurrency);

    [LibraryImport(NativeLibraries.Vips)]
    internal static partial void vips_cache_set_max(int max);

    [LibraryImport(NativeLibraries.Vips)]
    internal static partial void vips_block_untrusted_set(int state);

    [LibraryImport(NativeLibraries.Vips)]
    internal static partial int vips_version(int flag);

    [LibraryImport(NativeLibraries.Vips)]
    internal static partial IntPtr vips_error_buffer_copy();

    [LibraryImport(NativeLibraries.Vips)]
    internal static partial void vips_error_clear();

    [LibraryImport(NativeLibraries.Vips, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial uint g_log_set_handler(string domain, int levels, delegate* unmanaged[Cdecl]<byte*, int, byte*, IntPtr, void> handler, IntPtr userData);

    [LibraryImport(NativeLibraries.Vips)]
    internal static partial void g_free(IntPtr memory);

    [LibraryImport(NativeLibraries.Vips)]
    internal static partial void g_object_unref(IntPtr gobject);

    [LibraryImport(NativeLibraries.Vips, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial void vips_image_set_int(VipsImageHandle image, string name, int value);

    [LibraryImport(NativeLibraries.Vips)]
    internal static partial int vips_image_guess_interpretation(VipsImageHandle image);

    [LibraryImport(NativeLibraries.Vips)]
    internal static partial int vips_image_get_width(VipsImageHandle image);

    [LibraryImport(NativeLibraries.Vips)]
    internal static partial int vips_image_get_height(VipsImageHandle image);

    [LibraryImport(NativeLibraries.Vips)]
    internal static partial int vips_image_get_bands(VipsImageHandle image);

    [LibraryImport(NativeLibraries.Vips)]
    internal static partial int vips_image_get_format(VipsImageHandle image);

    [LibraryImport(NativeLibraries.Vips)]
    internal static partial int vips_image_hasalpha(VipsImageHandle image);

    /// <summary>The EXIF orientation, 1 (upright) to 8; 1 when the image has none.</summary>
    [LibraryImport(NativeLibraries.Vips)]
    internal static partial int vips_image_get_orientation(VipsImageHandle image);

    [LibraryImport(NativeLibraries.Vips)]
    internal static partial IntPtr vips_array_double_new(double* array, int n);

    [LibraryImport(NativeLibraries.Vips)]
    internal static partial IntPtr vips_image_copy_memory(VipsImageHandle image);

    [LibraryImport(NativeLibraries.Vips)]
    internal static partial void vips_area_unref(IntPtr area);

    [LibraryImport(NativeLibraries.Vips)]
    internal static partial IntPtr vips_image_new_from_memory_copy(byte* data, nuint size, int width, int height, int bands, int format);

    [LibraryImport(NativeLibraries.Vips)]
    internal static partial IntPtr vips_image_write_to_memory(VipsImageHandle image, out nuint size);

    /// <summary>Reads only the header (lazy): dimensions are known, no pixels are decoded yet.</summary>
    internal static VipsImageHandle NewFromBuffer(byte* buffer, nuint length)
    {
        fixed (byte* options = EmptyOptions)
        {
            return new VipsImageHandle(NewFromBufferFn(buffer, length, options, IntPtr.Zero));
        }
    }

    /// <summary>
    /// Opens the image lazily for one top-to-bottom decode (no whole-image buffer), failing on truncated or
    /// broken data. <paramref name="jpegShrink"/> (1, 2, 4 or 8; JPEG only) makes libjpeg decode at that
    /// fraction of the size, in the DCT domain.
    /// </summary>
    internal static VipsImageHandle NewFromBufferForDecode(byte* buffer, nuint length, int jpegShrink)
    {
        var index = jpegShrink switch
        {
            1 => 0,
            2 => 1,
            4 => 2,
            8 => 3,
            _ => throw new ArgumentOutOfRangeException(nameof(jpegShrink), jpegShrink, "JPEG shrink-on-load is 1, 2, 4 or 8."),
        };

        fixed (byte* options = SequentialLoads[index])
        {
            return new VipsImageHandle(NewFromBufferFn(buffer, length, options, IntPtr.Zero));
        }
    }

    /// <summary>Averages <paramref name="factor"/>×<paramref name="factor"/> blocks (a box filter), lazily and streaming.</summary>
    internal static VipsImageHandle Shrink(VipsImageHandle image, int factor)
    {
        IntPtr result = IntPtr.Zero;
        var status = ShrinkFn(image.DangerousGetHandle(), &result, factor, factor, IntPtr.Zero);
        GC.KeepAlive(image);
        return Checked(status, result);
    }

    /// <summary>The image's pixels computed into memory (a new image that no longer depends on its source).</summary>
    internal static VipsImageHandle CopyMemory(VipsImageHandle image)
    {
        var result = vips_image_copy_memory(image);
        return new VipsImageHandle(result);
    }

    /// <summary>Turns the image upright as its EXIF orientation says (needs random access).</summary>
    internal static VipsImageHandle Autorot(VipsImageHandle image)
    {
        IntPtr result = IntPtr.Zero;
        var status = AutorotFn(image.DangerousGetHandle(), &result, IntPtr.Zero);
        GC.KeepAlive(image);
        return Checked(status, result);
    }

    /// <summary>Composites an 8-bit sRGB image with alpha onto white, dropping the alpha band.</summary>
    internal static VipsImageHandle FlattenOntoWhite(VipsImageHandle image)
    {
        var white = stackalloc double[] { 255, 255, 255 };
        var background = vips_array_double_new(white, 3);
        try
        {
            IntPtr result = IntPtr.Zero;
            int status;
            fixed (byte* option = BackgroundOption)
            {
                status = FlattenFn(image.DangerousGetHandle(), &result, option, background, IntPtr.Zero);
            }

            GC.KeepAlive(image);
            return Checked(status, result);
        }
        finally
        {
            vips_area_unref(background);
        }
    }

    /// <summary>The <paramref name="width"/>×<paramref name="height"/> area at (<paramref name="left"/>, <paramref name="top"/>), lazily.</summary>
    internal static VipsImageHandle ExtractArea(VipsImageHandle image, int left, int top, int width, int height)
    {
        IntPtr result = IntPtr.Zero;
        var status = ExtractAreaFn(image.DangerousGetHandle(), &result, left, top, width, height, IntPtr.Zero);
        GC.KeepAlive(image);
        return Checked(status, result);
    }

    /// <summary>Decodes with shrink-on-load, auto-rotates by EXIF, resizes to fill <paramref name="size"/>² and crops the centre.</summary>
    internal static VipsImageHandle ThumbnailBuffer(byte* buffer, nuint length, int size)
    {
        IntPtr result = IntPtr.Zero;
        fixed (byte* height = HeightOption, crop = CropOption, optionString = OptionStringOption, strict = StrictLoad)
        {
            var status = ThumbnailBufferFn(buffer, length, &result, size, height, size, crop, InterestingCentre, optionString, (IntPtr)strict, IntPtr.Zero);
            return Checked(status, result);
        }
    }

    /// <summary>Decodes with shrink-on-load and auto-rotation, fitting the image inside <paramref name="size"/>² (no crop).</summary>
    internal static VipsImageHandle ThumbnailFitBuffer(byte* buffer, nuint length, int size)
    {
        IntPtr result = IntPtr.Zero;
        fixed (byte* optionString = OptionStringOption, strict = StrictLoad)
        {
            var status = ThumbnailFitBufferFn(buffer, length, &result, size, optionString, (IntPtr)strict, IntPtr.Zero);
            return Checked(status, result);
        }
    }

    /// <summary>Encodes to the format named by <paramref name="suffix"/> (e.g. <c>.jpg[Q=85]</c>); the bytes are copied out and freed.</summary>
    internal static byte[]? WriteToBuffer(VipsImageHandle image, string suffix)
    {
        var suffixBytes = System.Text.Encoding.UTF8.GetBytes(suffix + "\0");
        IntPtr buffer = IntPtr.Zero;
        nuint length = 0;
        int status;
        fixed (byte* suffixPointer = suffixBytes)
        {
            status = WriteToBufferFn(image.DangerousGetHandle(), suffixPointer, &buffer, &length, IntPtr.Zero);
        }

        GC.KeepAlive(image);
        if (status != 0 || buffer == IntPtr.Zero)
        {
            return null;
        }

        try
        {
            return new ReadOnlySpan<byte>((void*)buffer, checked((int)length)).ToArray();
        }
        finally
        {
            g_free(buffer);
        }
    }

    internal static VipsImageHandle Colourspace(VipsImageHandle image, int interpretation)
    {
        IntPtr result = IntPtr.Zero;
        var status = ColourspaceFn(image.DangerousGetHandle(), &result, interpretation, IntPtr.Zero);
        GC.KeepAlive(image);
        return Checked(status, result);
    }

    /// <summary>A copy of <paramref name="image"/> whose pixels are declared to be in <paramref name="interpretation"/> (no conversion).</summary>
    internal static VipsImageHandle CopyAs(VipsImageHandle image, int interpretation)
    {
        IntPtr result = IntPtr.Zero;
        int status;
        fixed (byte* option = InterpretationOption)
        {
            status = CopyFn(image.DangerousGetHandle(), &result, option, interpretation, IntPtr.Zero);
        }

        GC.KeepAlive(image);
        return Checked(status, result);
    }

    internal static VipsImageHandle Cast(VipsImageHandle image, int format)
    {
        IntPtr result = IntPtr.Zero;
        var status = CastFn(image.DangerousGetHandle(), &result, format, IntPtr.Zero);
        GC.KeepAlive(image);
        return Checked(status, result);
    }

    /// <summary>Takes (and clears) libvips' error buffer.</summary>
    internal static string TakeError()
    {
        var buffer = vips_error_buffer_copy();
        if (buffer == IntPtr.Zero)
        {
            return "unknown libvips error";
        }

        try
        {
            var text = Marshal.PtrToStringUTF8(buffer)?.Trim();
            return string.IsNullOrEmpty(text) ? "unknown libvips error" : text;
        }
        finally
        {
            g_free(buffer);
        }
    }

    private static VipsImageHandle Checked(int status, IntPtr result)
    {
        var handle = new VipsImageHandle(result);
        if (status != 0 || handle.IsInvalid)
        {
            handle.Dispose();
            return new VipsImageHandle(IntPtr.Zero);
        }

        return handle;
    }
}
