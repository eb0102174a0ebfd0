namespace GptOssWorkbench.Engine.Tests.Kernels;

using System.Diagnostics;
using GptOssWorkbench.Engine.Kernels;

public class MemoryBandwidthTests
{
    [Fact]
    public void Probe_reports_the_rate_its_own_reads_take()
    {
        const long bytes = 64L << 20;
        var clock = Stopwatch.StartNew();
        var gbps = MemoryBandwidth.MeasureReadGBps(threads: 1, bytes, runs: 2);
        var elapsed = clock.Elapsed.TotalSeconds;

        // Two sweeps of 64 MiB cannot take less time than the best sweep's rate implies, nor can any
        // machine this runs on read slower than 0.1 GB/s or faster than 10 TB/s.
        Assert.InRange(gbps, 0.1, 10_000);
        Assert.True(2 * bytes / (gbps * 1e9) <= elapsed, $"{gbps:F1} GB/s would need less than the {elapsed:F3} s measured");
    }

    [Fact]
    public void Probe_rejects_a_buffer_too_small_to_leave_the_caches_meaningfully()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MemoryBandwidth.MeasureReadGBps(1, bytes: 4096));
    }
}
