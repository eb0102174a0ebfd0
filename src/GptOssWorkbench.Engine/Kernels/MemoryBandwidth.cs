namespace GptOssWorkbench.Engine.Kernels;

using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

/// <summary>
/// The physical limit for decode: how fast this machine streams memory into vector registers. A vectorised
/// read of a buffer far larger than the caches, split over threads, best of a few runs (memcpy-style probes
/// measure a different thing: they also write).
/// </summary>
public static unsafe class MemoryBandwidth
{
    public const long DefaultBytes = 1L << 30;

    /// <summary>Best read bandwidth in GB/s (10^9 bytes per second) over <paramref name="runs"/> sweeps of the buffer.</summary>
    public static double MeasureReadGBps(int threads, long bytes = DefaultBytes, int runs = 5)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(bytes, 1L << 20);
        ArgumentOutOfRangeException.ThrowIfLessThan(runs, 1);
        bytes -= bytes % (256L * threads);
        var buffer = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 4096);
        try
        {
            // Touch every page first so the runs measure reads, not page faults.
            NativeMemory.Fill(buffer, (nuint)bytes, 1);
            var best = 0.0;
            for (var run = 0; run < runs; run++)
            {
                var seconds = TimeParallelRead(buffer, bytes, threads);
                best = Math.Max(best, bytes / seconds / 1e9);
            }
            return best;
        }
        finally
        {
            NativeMemory.AlignedFree(buffer);
        }
    }

    private static double TimeParallelRead(byte* buffer, long bytes, int threads)
    {
        var share = bytes / threads;
        var sums = new float[threads];
        // Dedicated threads released together, so thread start-up is not timed.
        using var start = new Barrier(threads + 1);
        using var done = new CountdownEvent(threads);
        var workers = new Thread[threads];
        for (var i = 0; i < threads; i++)
        {
            var index = i;
            workers[i] = new Thread(() =>
            {
                start.SignalAndWait();
                sums[index] = Read(buffer + index * share, share);
                done.Signal();
            }) { IsBackground = true };
            workers[i].Start();
        }
        start.SignalAndWait();
        var clock = Stopwatch.StartNew();
        done.Wait();
        var seconds = clock.Elapsed.TotalSeconds;
        foreach (var worker in workers) worker.Join();
        // The sums only keep the reads from being optimised away.
        GC.KeepAlive(sums);
        return seconds;
    }

    private static float Read(byte* start, long bytes)
    {
        var p = (float*)start;
        var count = bytes / sizeof(float);
        var step = Vector512<float>.Count;
        Vector512<float> a = default, b = default, c = default, d = default;
        for (long i = 0; i + 4 * step <= count; i += 4 * step)
        {
            a += Vector512.Load(p + i);
            b += Vector512.Load(p + i + step);
            c += Vector512.Load(p + i + 2 * step);
            d += Vector512.Load(p + i + 3 * step);
        }
        return Vector512.Sum(a + b + c + d);
    }
}
