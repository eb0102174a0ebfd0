namespace GptOssWorkbench.Engine.Kernels;

using System.Diagnostics;
using System.Runtime.InteropServices;

/// <summary>One measured kernel configuration: GB/s of packed MXFP4 bytes (codes + scales) consumed.</summary>
public sealed record KernelMeasurement(string Name, int Rows, int Columns, int Tokens, double GBps, double MillisecondsPerCall);

/// <summary>The bandwidth probe and the expert kernel measured side by side, as ratios matter more than absolutes.</summary>
public sealed record KernelBenchResult(int Threads, double ProbeGBps, IReadOnlyList<KernelMeasurement> Kernels,
    double ExpertMillisecondsPerToken, double ExpertOnlyTokensPerSecond)
{
    public double RatioToProbe(KernelMeasurement kernel) => kernel.GBps / ProbeGBps;
}

/// <summary>
/// Benchmark of the MXFP4 expert kernel with gpt-oss-20b shapes (not a timed test). Weights rotate over
/// enough random experts (more than the L3 cache holds) that every call streams its bytes from memory,
/// as a decode step does. Needs no libtorch.
/// </summary>
public static unsafe class KernelBench
{
    private const int Hidden = 2880;
    private const int GateUpRows = 5760;
    /// <summary>Distinct experts the calls rotate through: 12 × 8.8 MB is well past a 32 MB L3.</summary>
    private const int ExpertsInRotation = 12;

    public static KernelBenchResult Run(TextWriter? output = null, int threads = 0, double secondsPerCase = 1.0,
        long probeBytes = MemoryBandwidth.DefaultBytes, KernelPath path = KernelPath.Auto)
    {
        if (threads <= 0) threads = Environment.ProcessorCount;
        output?.WriteLine($"MXFP4 kernel bench: {threads} thread(s), path {KernelPaths.Resolve(path)}");
        var probe = MemoryBandwidth.MeasureReadGBps(threads, probeBytes);
        output?.WriteLine($"  read bandwidth probe: {probe:F1} GB/s");

        var kernels = new List<KernelMeasurement>();
        foreach (var (name, rows) in new[] { ("gate_up", GateUpRows), ("down", Hidden) })
        {
            foreach (var tokens in new[] { 1, 8 })
            {
                var measurement = Measure(name, rows, Hidden, tokens, threads, secondsPerCase, path);
                kernels.Add(measurement);
                output?.WriteLine($"  {name,-8} [{rows}x{Hidden}] n={tokens}: {measurement.GBps,5:F1} GB/s " +
                    $"({measurement.GBps / probe:P0} of probe), {measurement.MillisecondsPerCall:F3} ms/call");
            }
        }

        // Decode at batch 1: 4 experts per layer, 24 layers, each a gate_up and a down projection at n = 1.
        var perToken = 24 * 4 * (kernels.First(k => k.Name == "gate_up" && k.Tokens == 1).MillisecondsPerCall
                                 + kernels.First(k => k.Name == "down" && k.Tokens == 1).MillisecondsPerCall);
        var tokensPerSecond = 1000.0 / perToken;
        output?.WriteLine($"  experts only, 4 x 24 layers at n=1: {perToken:F1} ms/token = {tokensPerSecond:F1} tokens/s");
        return new KernelBenchResult(threads, probe, kernels, perToken, tokensPerSecond);
    }

    public static KernelMeasurement Measure(string name, int rows, int columns, int tokens, int threads, double seconds,
        KernelPath path = KernelPath.Auto)
    {
        var blockCount = columns / 32;
        var blockBytes = (long)rows * blockCount * 16;
        var scaleBytes = (long)rows * blockCount;
        var blocks = (byte*)NativeMemory.AlignedAlloc((nuint)(blockBytes * ExpertsInRotation), 64);
        var scales = (byte*)NativeMemory.AlignedAlloc((nuint)(scaleBytes * ExpertsInRotation), 64);
        var x = (float*)NativeMemory.AlignedAlloc((nuint)((long)tokens * columns * sizeof(float)), 64);
        var bias = (float*)NativeMemory.AlignedAlloc((nuint)(rows * sizeof(float)), 64);
        var y = (float*)NativeMemory.AlignedAlloc((nuint)((long)tokens * rows * sizeof(float)), 64);
        try
        {
            var random = new Random(1234);
            random.NextBytes(new Span<byte>(blocks, checked((int)(blockBytes * ExpertsInRotation))));
            // Scales near 2^0, like trained weights; their values do not change the kernel's speed.
            for (long i = 0; i < scaleBytes * ExpertsInRotation; i++) scales[i] = (byte)random.Next(118, 131);
            for (long i = 0; i < (long)tokens * columns; i++) x[i] = random.NextSingle() - 0.5f;
            for (var i = 0; i < rows; i++) bias[i] = random.NextSingle();

            // Warm up the JIT (tier 1) and the thread pool.
            for (var i = 0; i < 3 * ExpertsInRotation; i++)
                Mxfp4Matmul.Multiply(blocks + i % ExpertsInRotation * blockBytes, scales + i % ExpertsInRotation * scaleBytes,
                    rows, columns, x, tokens, bias, y, path, threads);

            var clock = Stopwatch.StartNew();
            var calls = 0;
            while (clock.Elapsed.TotalSeconds < seconds || calls < ExpertsInRotation)
            {
                var e = calls % ExpertsInRotation;
                Mxfp4Matmul.Multiply(blocks + e * blockBytes, scales + e * scaleBytes, rows, columns, x, tokens, bias, y, path, threads);
                calls++;
            }
            var elapsed = clock.Elapsed.TotalSeconds;
            return new KernelMeasurement(name, rows, columns, tokens, (blockBytes + scaleBytes) * calls / elapsed / 1e9, elapsed * 1000 / calls);
        }
        finally
        {
            NativeMemory.AlignedFree(blocks);
            NativeMemory.AlignedFree(scales);
            NativeMemory.AlignedFree(x);
            NativeMemory.AlignedFree(bias);
            NativeMemory.AlignedFree(y);
        }
    }
}
