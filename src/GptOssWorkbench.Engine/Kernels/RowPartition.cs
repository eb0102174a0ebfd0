namespace GptOssWorkbench.Engine.Kernels;

/// <summary>Splits the output rows of a matrix product over threads.</summary>
public static class RowPartition
{
    /// <summary>
    /// Below this much work (in units of 32 weights times tokens) a call runs on the calling thread: waking
    /// pool threads costs about 10-20 µs here (measured on the shared 2-core machine), more than the work.
    /// </summary>
    public const long MinParallelWork = 16_384;

    /// <summary>
    /// Calls <paramref name="body"/>(first, end) for consecutive row ranges covering [0, rows), in parallel.
    /// <paramref name="workPerRow"/> is the row's cost in units of 32 weights times tokens.
    /// </summary>
    public static void Run(int rows, int threads, long workPerRow, Action<int, int> body)
    {
        if (threads <= 0) threads = Environment.ProcessorCount;
        if (rows * workPerRow < MinParallelWork) threads = 1;
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

    /// <summary>
    /// Like <see cref="Run"/> for several matrices in one parallel region, e.g. the experts one step routes to:
    /// their rows are split as if stacked, and <paramref name="body"/>(matrix, first, end) gets row ranges of one
    /// matrix (a chunk that crosses a boundary is handed over in two calls). One region instead of one per
    /// matrix saves the wake-up and the wait for the slowest thread each time.
    /// </summary>
    public static void Run(IReadOnlyList<int> rows, int threads, long workPerRow, Action<int, int, int> body)
    {
        var starts = new long[rows.Count + 1];
        for (var m = 0; m < rows.Count; m++) starts[m + 1] = starts[m] + rows[m];
        var total = checked((int)starts[^1]);
        if (total == 0) return;
        Run(total, threads, workPerRow, (first, end) =>
        {
            var m = Array.BinarySearch(starts, first);
            if (m < 0) m = ~m - 1;
            while (m < rows.Count && first < end)
            {
                // Skip empty matrices that share a start with the next one.
                if (starts[m + 1] <= first)
                {
                    m++;
                    continue;
                }
                var stop = (int)Math.Min(end, starts[m + 1]);
                body(m, first - (int)starts[m], stop - (int)starts[m]);
                first = stop;
                m++;
            }
        });
    }
}
