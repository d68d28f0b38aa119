namespace ImageFinder.Tests.Support;

/// <summary>One image row as stored, with its vector (null when the vector table has no row for it).</summary>
public sealed record AuditedImage(long Id, string Source, string Sha256, long Version, float[]? Vector);
