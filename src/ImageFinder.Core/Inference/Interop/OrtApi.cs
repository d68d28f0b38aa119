using System.Runtime.InteropServices;
using ImageFinder.Native;

namespace ImageFinder.Inference.Interop;

/// <summary>
/// The ONNX Runtime C API calls ImageFinder uses, read from the <c>OrtApi</c> function table that
/// <c>OrtGetApiBase()->GetApi(version)</c> returns. Slot numbers are the member positions in
/// <c>struct OrtApi</c> of <c>onnxruntime_c_api.h</c>; the table is append-only, so they hold for every
/// runtime at least as new as <see cref="ApiVersion"/>. Every call that returns an <c>OrtStatus*</c> goes
/// through <see cref="Check"/>, which turns a failure into an <see cref="OrtException"/>.
/// </summary>
internal static unsafe class OrtApi
{
    /// <summary>The API version asked for: ONNX Runtime 1.30 (the pinned library) serves 30 and every older one.</summary>
    internal const uint ApiVersion = 30;

    internal const int ElementTypeFloat = 1;
    internal const int GraphOptimizationAll = 99;
    internal const int LoggingLevelWarning = 2;
    internal const int AllocatorTypeArena = 1;
    internal const int MemTypeDefault = 0;

    private static readonly IntPtr* Table = LoadTable();

    internal static string Version { get; } = ReadVersion();

    internal static delegate* unmanaged[Cdecl]<IntPtr, int> GetErrorCode => (delegate* unmanaged[Cdecl]<IntPtr, int>)Table[1];

    internal static delegate* unmanaged[Cdecl]<IntPtr, byte*> GetErrorMessage => (delegate* unmanaged[Cdecl]<IntPtr, byte*>)Table[2];

    internal static delegate* unmanaged[Cdecl]<int, byte*, IntPtr*, IntPtr> CreateEnv => (delegate* unmanaged[Cdecl]<int, byte*, IntPtr*, IntPtr>)Table[3];

    internal static delegate* unmanaged[Cdecl]<IntPtr, byte*, IntPtr, IntPtr*, IntPtr> CreateSession =>
        (delegate* unmanaged[Cdecl]<IntPtr, byte*, IntPtr, IntPtr*, IntPtr>)Table[7];

    internal static delegate* unmanaged[Cdecl]<IntPtr, IntPtr, byte**, IntPtr*, nuint, byte**, nuint, IntPtr*, IntPtr> Run =>
        (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, byte**, IntPtr*, nuint, byte**, nuint, IntPtr*, IntPtr>)Table[9];

    internal static delegate* unmanaged[Cdecl]<IntPtr*, IntPtr> CreateSessionOptions => (delegate* unmanaged[Cdecl]<IntPtr*, IntPtr>)Table[10];

    internal static delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr> SetSessionExecutionMode => (delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)Table[13];

    internal static delegate* unmanaged[Cdecl]<IntPtr, IntPtr> EnableMemPattern => (delegate* unmanaged[Cdecl]<IntPtr, IntPtr>)Table[16];

    internal static delegate* unmanaged[Cdecl]<IntPtr, IntPtr> EnableCpuMemArena => (delegate* unmanaged[Cdecl]<IntPtr, IntPtr>)Table[18];

    internal static delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr> SetSessionGraphOptimizationLevel => (delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)Table[23];

    internal static delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr> SetIntraOpNumThreads => (delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)Table[24];

    internal static delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr> SetInterOpNumThreads => (delegate* unmanaged[Cdecl]<IntPtr, int, IntPtr>)Table[25];

    internal static delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr> SessionGetInputCount => (delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr>)Table[30];

    internal static delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr> SessionGetOutputCount => (delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr>)Table[31];

    internal static delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr*, IntPtr> SessionGetInputTypeInfo => (delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr*, IntPtr>)Table[33];

    internal static delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr*, IntPtr> SessionGetOutputTypeInfo => (delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr*, IntPtr>)Table[34];

    internal static delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr, byte**, IntPtr> SessionGetInputName => (delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr, byte**, IntPtr>)Table[36];

    internal static delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr, byte**, IntPtr> SessionGetOutputName => (delegate* unmanaged[Cdecl]<IntPtr, nuint, IntPtr, byte**, IntPtr>)Table[37];

    internal static delegate* unmanaged[Cdecl]<IntPtr, void*, nuint, long*, nuint, int, IntPtr*, IntPtr> CreateTensorWithDataAsOrtValue =>
        (delegate* unmanaged[Cdecl]<IntPtr, void*, nuint, long*, nuint, int, IntPtr*, IntPtr>)Table[49];

    internal static delegate* unmanaged[Cdecl]<IntPtr, void**, IntPtr> GetTensorMutableData => (delegate* unmanaged[Cdecl]<IntPtr, void**, IntPtr>)Table[51];

    internal static delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, IntPtr> CastTypeInfoToTensorInfo => (delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, IntPtr>)Table[55];

    internal static delegate* unmanaged[Cdecl]<IntPtr, int*, IntPtr> GetTensorElementType => (delegate* unmanaged[Cdecl]<IntPtr, int*, IntPtr>)Table[60];

    internal static delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr> GetDimensionsCount => (delegate* unmanaged[Cdecl]<IntPtr, nuint*, IntPtr>)Table[61];

    internal static delegate* unmanaged[Cdecl]<IntPtr, long*, nuint, IntPtr> GetDimensions => (delegate* unmanaged[Cdecl]<IntPtr, long*, nuint, IntPtr>)Table[62];

    internal static delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, IntPtr> GetTensorTypeAndShape => (delegate* unmanaged[Cdecl]<IntPtr, IntPtr*, IntPtr>)Table[65];

    internal static delegate* unmanaged[Cdecl]<int, int, IntPtr*, IntPtr> CreateCpuMemoryInfo => (delegate* unmanaged[Cdecl]<int, int, IntPtr*, IntPtr>)Table[69];

    internal static delegate* unmanaged[Cdecl]<IntPtr, void*, IntPtr> AllocatorFree => (delegate* unmanaged[Cdecl]<IntPtr, void*, IntPtr>)Table[76];

    internal static delegate* unmanaged[Cdecl]<IntPtr*, IntPtr> GetAllocatorWithDefaultOptions => (delegate* unmanaged[Cdecl]<IntPtr*, IntPtr>)Table[78];

    internal static delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseEnv => (delegate* unmanaged[Cdecl]<IntPtr, void>)Table[92];

    internal static delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseStatus => (delegate* unmanaged[Cdecl]<IntPtr, void>)Table[93];

    internal static delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseMemoryInfo => (delegate* unmanaged[Cdecl]<IntPtr, void>)Table[94];

    internal static delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseSession => (delegate* unmanaged[Cdecl]<IntPtr, void>)Table[95];

    internal static delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseValue => (delegate* unmanaged[Cdecl]<IntPtr, void>)Table[96];

    internal static delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseTypeInfo => (delegate* unmanaged[Cdecl]<IntPtr, void>)Table[98];

    internal static delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseTensorTypeAndShapeInfo => (delegate* unmanaged[Cdecl]<IntPtr, void>)Table[99];

    internal static delegate* unmanaged[Cdecl]<IntPtr, void> ReleaseSessionOptions => (delegate* unmanaged[Cdecl]<IntPtr, void>)Table[100];

    internal static delegate* unmanaged[Cdecl]<IntPtr, byte*, byte*, IntPtr> AddSessionConfigEntry => (delegate* unmanaged[Cdecl]<IntPtr, byte*, byte*, IntPtr>)Table[130];

    /// <summary>Throws an <see cref="OrtException"/> carrying ONNX Runtime's message when <paramref name="status"/> is not NULL (success).</summary>
    internal static void Check(IntPtr status)
    {
        if (status == IntPtr.Zero)
        {
            return;
        }

        try
        {
            var code = (OrtErrorCode)GetErrorCode(status);
            var message = Marshal.PtrToStringUTF8((IntPtr)GetErrorMessage(status)) ?? "unknown ONNX Runtime error";
            throw new OrtException(code, message);
        }
        finally
        {
            ReleaseStatus(status);
        }
    }

    private static IntPtr* LoadTable()
    {
        var getApiBase = (delegate* unmanaged[Cdecl]<IntPtr*>)NativeLibraries.GetExport(NativeLibraries.OnnxRuntimeLibrary, "OrtGetApiBase");
        var apiBase = getApiBase();
        var getApi = (delegate* unmanaged[Cdecl]<uint, IntPtr*>)apiBase[0];
        var table = getApi(ApiVersion);
        return table != null
            ? table
            : throw new NativeLibraryMissingException(
                $"The ONNX Runtime in {NativeLibraries.Directory} is older than API version {ApiVersion} (1.{ApiVersion}). Reinstall with {NativeLibraries.InstallCommand} --force.");
    }

    private static string ReadVersion()
    {
        var getApiBase = (delegate* unmanaged[Cdecl]<IntPtr*>)NativeLibraries.GetExport(NativeLibraries.OnnxRuntimeLibrary, "OrtGetApiBase");
        var getVersion = (delegate* unmanaged[Cdecl]<byte*>)getApiBase()[1];
        return Marshal.PtrToStringUTF8((IntPtr)getVersion()) ?? "unknown";
    }
}
