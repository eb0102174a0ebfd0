namespace GptOssWorkbench.Web.Tests.Models;

using GptOssWorkbench.Pipeline.Models;

public sealed class MachineMemoryTests
{
    [Fact]
    public void Weights_larger_than_the_machines_ram_get_a_warning_naming_both_sizes_and_weights_that_fit_get_none()
    {
        var warning = MachineMemory.Warning(weightBytes: 13_800_000_000, totalBytes: 8_000_000_000);

        Assert.NotNull(warning);
        Assert.Contains("8.0 GB of RAM", warning);
        Assert.Contains("13.8 GB resident", warning);
        Assert.Null(MachineMemory.Warning(weightBytes: 13_800_000_000, totalBytes: 64_000_000_000));
    }

    [Fact]
    public void The_total_is_the_kernels_mem_total_on_linux()
    {
        var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
        var kb = long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);

        Assert.Equal(kb * 1024, MachineMemory.TotalBytes());
    }
}
