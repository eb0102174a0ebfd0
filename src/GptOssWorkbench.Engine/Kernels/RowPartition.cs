namespace GptOssWorkbench.Engine.Kernels;

/// <summary>Splits the output rows of a matrix product over threads.</summary>
internal static class RowPartition
{
    /// <summary>Calls <paramref name="body"/>(first, end) for consecutive row ranges covering [0, rows), in parallel.</summary>
    public static void Run(int rows, int threads, Action<int, int> body)
    {
        if (threads <= 0) threads = Environment.ProcessorCount;
        // Several chunks per thread so that a thread slowed by another process does not hold up the call;
        // at least 16 rows so the per-chunk cost of Parallel.For stays small next to the work.
        var chunkRows = Math.Max(16, rows / (threads * 8));
        var chunks = (rows + chunkRows - 1) / chunkRows;
        if (threads == 1 || chunks == 1)
        {
            body(0, rows);
            return;
        }
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads },
            chunk => body(chunk * chunkRows, Math.Min(rows, (chunk + 1) * chunkRows)));
    }
}
