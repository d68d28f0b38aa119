namespace ImageFinder.Api.Uploads;

/// <summary>One <c>file</c> part of a <see cref="BatchForm"/>.</summary>
/// <param name="FileName">The file name the client gave, if any (echoed in the answer so the client can match its files).</param>
/// <param name="Bytes">The image file's bytes; null when the part is larger than ImageFinder:MaxUploadBytes (its answer is a 413 problem).</param>
public sealed record BatchFile(string? FileName, byte[]? Bytes);
