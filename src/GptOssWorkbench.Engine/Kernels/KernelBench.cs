namespace GptOssWorkbench.Engine.Kernels;

using System.Diagnostics;
using System.Runtime.InteropServices;
using TorchSharp;

/// <summary>One measured configuration (best rotation): GB/s of weight bytes consumed (MXFP4 codes + scales, or bf16).</summary>
public sealed record KernelMeasurement(string Name, int Rows, int Columns, int Tokens, double GBps, double MillisecondsPerCall);

/// <summary>
/// The bandwidth probe and the kernels measured side by side, as ratios matter more than absolutes.
/// Dense lists the bf16 kernel and, for the same shapes, libtorch's bf16 linear (Name "torch ...").
/// </summary>
public sealed record KernelBenchResult(int Threads, double ProbeGBps, IReadOnlyList<KernelMeasurement> Kernels,
    double ExpertMillisecondsPerToken, double ExpertOnlyTokensPerSecond, IReadOnlyList<KernelMeasurement> Dense)
{
    public double RatioToProbe(KernelMeasurement kernel) => kernel.GBps / ProbeGBps;
}

/// <summary>
/// Benchmark of the MXFP4 expert kernel with gpt-oss-20b shapes (not a timed test). Weights rotate over
/// enough random experts (more than the L3 cache holds) that every call streams its bytes from memory,
/// as a decode step does. Only the libtorch comparison for the dense shapes loads libtorch.
/// </summary>
public static unsafe class KernelBench
{
    private const int Hidden = 2880;
    private const int GateUpRows = 5760;
    /// <summary>gpt-oss unembedding, [201088, 2880] bf16.</summary>
    private const double UnembeddingBytes = 201088.0 * 2880 * 2;
    /// <summary>Distinct experts the calls rotate through: 12 × 8.8 MB is well past a 32 MB L3.</summary>
    private const int ExpertsInRotation = 12;

    public static KernelBenchResult Run(TextWriter? output = null, int threads = 0, double secondsPerCase = 1.0,
        long probeBytes = MemoryBandwidth.DefaultBytes, KernelPath path = KernelPath.Auto, bool includeDense = true)
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
                var measurement = Measure(name, rows, Hidden, tokens, threads, secondsPerCase, path, probeBytes);
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

        var dense = new List<KernelMeasurement>();
        if (includeDense)
        {
            // q+k+v fused width and the output projection of one gpt-oss layer; bytes are bf16 weights read.
            foreach (var (name, rows, columns) in new[] { ("qkv", 5120, Hidden), ("o", Hidden, 4096) })
            {
                var ours = MeasureDense(name, rows, columns, threads, secondsPerCase, path, probeBytes);
                var torchLinear = MeasureTorchLinear(name, rows, columns, threads, secondsPerCase, probeBytes);
                dense.Add(ours);
                dense.Add(torchLinear);
                output?.WriteLine($"  bf16 {name,-4} [{rows}x{columns}] n=1: {ours.GBps,5:F1} GB/s ({ours.GBps / probe:P0} of probe), " +
                    $"{ours.MillisecondsPerCall:F3} ms/call; libtorch bf16 linear {torchLinear.GBps:F1} GB/s, {torchLinear.MillisecondsPerCall:F3} ms/call");
            }
            // Every weight a batch-1 decode step reads, at the rates just measured: experts, attention
            // projections per layer, and the 1.16 GB bf16 unembedding at the qkv kernel's rate.
            var qkv = dense.First(k => k.Name == "qkv");
            var o = dense.First(k => k.Name == "o");
            var unembeddingMs = UnembeddingBytes / (qkv.GBps * 1e9) * 1000;
            var weightsMs = perToken + 24 * (qkv.MillisecondsPerCall + o.MillisecondsPerCall) + unembeddingMs;
            output?.WriteLine($"  all weights of a batch-1 decode step at these rates: {weightsMs:F1} ms/token = {1000 / weightsMs:F1} tokens/s " +
                $"(limit at the probe: {probe / 3.71:F1} tokens/s for 3.71 GB/token)");
        }

        // Other processes share the memory bus: a second probe shows how much the bandwidth moved meanwhile.
        var probeAfter = MemoryBandwidth.MeasureReadGBps(threads, probeBytes);
        output?.WriteLine($"  read bandwidth probe again: {probeAfter:F1} GB/s (ratios above use the first probe)");
        return new KernelBenchResult(threads, probe, kernels, perToken, tokensPerSecond, dense);
    }

    /// <summary>The bf16 kernel at n = 1, rotating over copies of the weight that together exceed the L3 cache.</summary>
    public static KernelMeasurement MeasureDense(string name, int rows, int columns, int threads, double seconds, KernelPath path = KernelPath.Auto,
        long windowBytes = MemoryBandwidth.DefaultBytes)
    {
        var bytes = (long)rows * columns * sizeof(ushort);
        var copies = (int)Math.Clamp((128L << 20) / bytes, 2, 64);
        var weights = (ushort*)NativeMemory.AlignedAlloc((nuint)(bytes * copies), 64);
        var x = (float*)NativeMemory.AlignedAlloc((nuint)(columns * sizeof(float)), 64);
        var y = (float*)NativeMemory.AlignedAlloc((nuint)(rows * sizeof(float)), 64);
        try
        {
            var random = new Random(42);
            for (long i = 0; i < (long)rows * columns * copies; i++) weights[i] = (ushort)(BitConverter.SingleToInt32Bits(random.NextSingle() - 0.5f) >> 16);
            for (var i = 0; i < columns; i++) x[i] = random.NextSingle() - 0.5f;
            return Time(name, rows, columns, 1, bytes, copies, seconds, windowBytes,
                copy => Bf16Matmul.Multiply(weights + copy * (long)rows * columns, rows, columns, x, 1, null, y, path, threads));
        }
        finally
        {
            NativeMemory.AlignedFree(weights);
            NativeMemory.AlignedFree(x);
            NativeMemory.AlignedFree(y);
        }
    }

    /// <summary>libtorch's bf16 F.linear at batch 1 on the same shape and rotation, for comparison.</summary>
    public static KernelMeasurement MeasureTorchLinear(string name, int rows, int columns, int threads, double seconds,
        long windowBytes = MemoryBandwidth.DefaultBytes)
    {
        TorchRuntime.EnsureLoaded();
        var previousThreads = torch.get_num_threads();
        torch.set_num_threads(threads);
        try
        {
            using var scope = torch.NewDisposeScope();
            using var mode = torch.inference_mode();
            var bytes = (long)rows * columns * sizeof(ushort);
            var copies = (int)Math.Clamp((128L << 20) / bytes, 2, 64);
            var weights = Enumerable.Range(0, copies).Select(_ => torch.rand(rows, columns).sub_(0.5).to_type(torch.ScalarType.BFloat16)).ToArray();
            var x = torch.rand(1, columns).to_type(torch.ScalarType.BFloat16);
            return Time("torch " + name, rows, columns, 1, bytes, copies, seconds, windowBytes, copy =>
            {
                using var y = torch.nn.functional.linear(x, weights[copy]);
            });
        }
        finally
        {
            torch.set_num_threads(previousThreads);
        }
    }

    /// <summary>
    /// Calls <paramref name="call"/>(copy) round-robin after a warm-up, in windows that each consume at least
    /// <paramref name="windowBytes"/> (the probe's buffer size, so both are timed over the same amount of
    /// memory), at least three windows and about <paramref name="seconds"/> in all; reports the best window,
    /// the same best-of rule the probe uses. On a shared machine a mean mostly measures the other processes.
    /// </summary>
    private static KernelMeasurement Time(string name, int rows, int columns, int tokens, long bytesPerCall, int copies,
        double seconds, long windowBytes, Action<int> call)
    {
        for (var i = 0; i < 2 * copies; i++) call(i % copies);
        var callsPerWindow = (int)Math.Max(copies, (windowBytes + bytesPerCall - 1) / bytesPerCall);
        var total = Stopwatch.StartNew();
        var best = double.MaxValue;
        for (var window = 0; window < 3 || total.Elapsed.TotalSeconds < seconds; window++)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < callsPerWindow; i++) call(i % copies);
            best = Math.Min(best, clock.Elapsed.TotalSeconds / callsPerWindow);
        }
        return new KernelMeasurement(name, rows, columns, tokens, bytesPerCall / best / 1e9, best * 1000);
    }

    public static KernelMeasurement Measure(string name, int rows, int columns, int tokens, int threads, double seconds,
        KernelPath path = KernelPath.Auto, long windowBytes = MemoryBandwidth.DefaultBytes)
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

            return Time(name, rows, columns, tokens, blockBytes + scaleBytes, ExpertsInRotation, seconds, windowBytes,
                e => Mxfp4Matmul.Multiply(blocks + e * blockBytes, scales + e * scaleBytes, rows, columns, x, tokens, bias, y, path, threads));
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
