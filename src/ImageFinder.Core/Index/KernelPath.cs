namespace ImageFinder.Index;

/// <summary>Which instructions <see cref="ScalarKernels"/> use.</summary>
public enum KernelPath
{
    /// <summary>One dimension at a time: runs everywhere, and is the reference the vector paths are tested against.</summary>
    Scalar,

    /// <summary>256-bit vectors through .NET's portable Vector256 (AVX2 on x64, two 128-bit registers on Arm).</summary>
    Vector256,

    /// <summary>AVX2 + FMA instructions directly: bytes widened to floats straight from memory (<c>vpmovsxbd</c>), one fused multiply-subtract per 8 dimensions.</summary>
    Avx2,

    /// <summary>512-bit vectors (AVX-512).</summary>
    Vector512,
}
