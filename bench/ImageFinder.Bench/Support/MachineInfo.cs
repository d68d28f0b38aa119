using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ImageFinder.Bench.Support;

/// <summary>The machine the figures come from, read from /proc and the runtime.</summary>
internal sealed record MachineInfo(
    string Cpu,
    int Cores,
    bool Avx2,
    bool Avx512F,
    bool Avx512Vpopcntdq,
    bool Vector512Accelerated,
    double MemoryGiB,
    string OperatingSystem,
    string Dotnet)
{
    public static MachineInfo Read()
    {
        var cpuinfo = ReadOrEmpty("/proc/cpuinfo");
        var model = Field(cpuinfo, "model name") ?? "unknown";
        var flags = (Field(cpuinfo, "flags") ?? string.Empty).Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        var memTotalKb = Field(ReadOrEmpty("/proc/meminfo"), "MemTotal")?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        var memory = long.TryParse(memTotalKb, NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb / 1024.0 / 1024.0 : 0;
        return new MachineInfo(
            model,
            Environment.ProcessorCount,
            flags.Contains("avx2"),
            flags.Contains("avx512f"),
            flags.Contains("avx512_vpopcntdq"),
            Vector512.IsHardwareAccelerated,
            memory,
            RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription);
    }

    /// <summary>The 1, 5 and 15 minute load averages: a busy machine makes every figure slower and noisier.</summary>
    public static string LoadAverage()
    {
        var fields = ReadOrEmpty("/proc/loadavg").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length >= 3 ? $"{fields[0]} {fields[1]} {fields[2]}" : "unknown";
    }

    /// <summary>The 1-minute load average, or 0 when unknown.</summary>
    public static double LoadAverageOneMinute()
    {
        var fields = ReadOrEmpty("/proc/loadavg").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length > 0 && double.TryParse(fields[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var load) ? load : 0;
    }

    private static string? Field(string text, string name)
    {
        foreach (var line in text.Split('\n'))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim() == name)
            {
                return line[(colon + 1)..].Trim();
            }
        }

        return null;
    }

    private static string ReadOrEmpty(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }
}
