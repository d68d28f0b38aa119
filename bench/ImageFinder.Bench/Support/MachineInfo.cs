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

    /// <summary>
    /// Share of all cores' time spent busy during <paramref name="window"/> while this process sleeps (from
    /// /proc/stat): what other processes take from the benchmark. Unlike the load average, a build that just
    /// finished (dotnet run builds first) does not count. NaN when /proc/stat is unreadable.
    /// </summary>
    public static double OthersCpuShare(TimeSpan window)
    {
        var before = ReadCpuTimes();
        Thread.Sleep(window);
        var after = ReadCpuTimes();
        if (before is not { } first || after is not { } second || second.Total <= first.Total)
        {
            return double.NaN;
        }

        return 1 - ((double)(second.Idle - first.Idle) / (second.Total - first.Total));
    }

    /// <summary>Total and idle (idle + iowait) jiffies of all cores, from the first line of /proc/stat.</summary>
    private static (long Total, long Idle)? ReadCpuTimes()
    {
        var line = ReadOrEmpty("/proc/stat").Split('\n')[0];
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 9 || fields[0] != "cpu")
        {
            return null;
        }

        // user nice system idle iowait irq softirq steal
        var values = fields[1..9].Select(f => long.Parse(f, NumberStyles.None, CultureInfo.InvariantCulture)).ToArray();
        return (values.Sum(), values[3] + values[4]);
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
