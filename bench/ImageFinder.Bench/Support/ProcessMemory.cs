using System.Globalization;

namespace ImageFinder.Bench.Support;

/// <summary>Reads a live process's memory from /proc/&lt;pid&gt;/status.</summary>
internal static class ProcessMemory
{
    /// <summary>Peak resident set size (VmHWM) in bytes; null once the process is gone.</summary>
    public static long? PeakResidentBytes(int processId) => ReadKilobytes(processId, "VmHWM:") * 1024;

    /// <summary>Resident set size now (VmRSS) in bytes; null once the process is gone.</summary>
    public static long? ResidentBytes(int processId) => ReadKilobytes(processId, "VmRSS:") * 1024;

    /// <summary>
    /// The file-backed part of the resident set now (RssFile: mapped files such as a memory-mapped database and the
    /// native libraries; pages the kernel can drop and re-read) in bytes; null once the process is gone.
    /// </summary>
    public static long? FileBackedBytes(int processId) => ReadKilobytes(processId, "RssFile:") * 1024;

    private static long? ReadKilobytes(int processId, string key)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{processId}/status"))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    var number = line[key.Length..].Trim().Split(' ')[0];
                    return long.Parse(number, NumberStyles.None, CultureInfo.InvariantCulture);
                }
            }

            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
