namespace GptOssWorkbench.Pipeline.Models;

using System.Globalization;

/// <summary>
/// How much RAM this machine has, to warn before a user loads weights that cannot fit (the engine keeps the weights
/// resident; swapping a 13 GB model makes every token take seconds). /proc/meminfo's MemTotal on Linux (the machine,
/// not a container limit), else what the GC sees as available to the process.
/// </summary>
public static class MachineMemory
{
    public static long TotalBytes()
    {
        try
        {
            if (File.Exists("/proc/meminfo"))
            {
                foreach (var line in File.ReadLines("/proc/meminfo"))
                {
                    // "MemTotal:       16314252 kB"
                    if (!line.StartsWith("MemTotal:", StringComparison.Ordinal)) continue;
                    var parts = line["MemTotal:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length > 0 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kb)) return kb * 1024;
                }
            }
        }
        catch (IOException)
        {
            // Fall through to the GC's figure.
        }
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }

    /// <summary>A one-line warning when the resident weights alone exceed the machine's RAM, else null (the KV cache needs more on top).</summary>
    public static string? Warning(long weightBytes, long totalBytes)
    {
        if (totalBytes <= 0 || weightBytes <= totalBytes) return null;
        return string.Create(CultureInfo.InvariantCulture,
            $"This machine has {totalBytes / 1e9:F1} GB of RAM but the weights alone need {weightBytes / 1e9:F1} GB resident: loading this model here will fail or swap. Run it on a machine with more memory (or a worker that has it).");
    }
}
