using ImageFinder.Imaging;

namespace ImageFinder.Tests.Support;

/// <summary>One hostile or broken upload.</summary>
/// <param name="Name">A stable, unique name (the theory's data).</param>
/// <param name="FileName">The name it is uploaded (or stored) under; may hold <c>../</c> and control characters.</param>
/// <param name="Bytes">The file's content.</param>
/// <param name="Expected">What must happen to it.</param>
/// <param name="Reason">For rejected cases whose reason is certain, the decode failure that must be reported.</param>
public sealed record HostileCase(string Name, string FileName, byte[] Bytes, HostileOutcome Expected, ImageDecodeFailure? Reason = null)
{
    public override string ToString() => Name;
}
