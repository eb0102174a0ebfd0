namespace GptOssWorkbench.Engine.Tests.Kernels;

using GptOssWorkbench.Engine.Kernels;

/// <summary>The bench is not timed here; this only checks that its units are what it claims.</summary>
public class KernelBenchTests
{
    [Fact]
    public void Expert_measurement_counts_the_packed_bytes_of_one_expert_per_call()
    {
        var measurement = KernelBench.Measure("small", rows: 64, columns: 2880, tokens: 3, threads: 1, seconds: 0.01, windowBytes: 1 << 20);

        // One expert of 64 rows x 2880 inputs: 90 blocks per row, each 16 code bytes + 1 scale byte.
        const double bytesPerCall = 64 * 90 * 17;
        Assert.Equal(bytesPerCall, measurement.GBps * 1e9 * measurement.MillisecondsPerCall / 1000, 3);
        Assert.Equal(3, measurement.Tokens);
        Assert.True(measurement.MillisecondsPerCall > 0);
    }

    [Fact]
    public void Dense_measurement_counts_two_bytes_per_bf16_weight()
    {
        var measurement = KernelBench.MeasureDense("small", rows: 32, columns: 4096, threads: 1, seconds: 0.01, windowBytes: 1 << 20);

        Assert.Equal(32 * 4096 * 2.0, measurement.GBps * 1e9 * measurement.MillisecondsPerCall / 1000, 3);
    }
}
