namespace GptOssWorkbench.Engine.Tests.Kernels;

using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using GptOssWorkbench.Engine.Kernels;

public unsafe class GroupedExpertTests
{
    [Theory]
    [MemberData(nameof(Mxfp4MatmulTests.Paths), MemberType = typeof(Mxfp4MatmulTests))]
    public void Grouped_experts_in_one_region_match_the_reference_each(KernelPath path)
    {
        var random = new Random(5);
        // Small shapes run on the calling thread; 301 rows × 2880 columns pass MinParallelWork and split over threads,
        // with chunks crossing from one expert's rows into the next. Token counts include 0 and values past a 32-token tile.
        foreach (var (rows, columns, counts) in new[] { (13, 64, new[] { 1, 3, 0, 5 }), (301, 2880, new[] { 1, 1, 2, 1 }), (37, 96, new[] { 33, 4 }) })
        {
            var weight = Mxfp4Reference.Random(random, experts: 4, rows, columns, r => (byte)r.Next(112, 140));
            var experts = counts.Select((_, i) => (i * 3 + 1) % 4).ToArray(); // 1, 0, 3, 2
            var inputs = counts.Select(n => Enumerable.Range(0, n * columns).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray()).ToArray();
            var biases = counts.Select(_ => Enumerable.Range(0, rows).Select(_ => random.NextSingle()).ToArray()).ToArray();
            var buffers = new List<IntPtr>();
            float* Native(float[] values)
            {
                var p = (float*)NativeMemory.AlignedAlloc((nuint)(Math.Max(values.Length, 1) * sizeof(float)), 64);
                values.CopyTo(new Span<float>(p, values.Length));
                buffers.Add((IntPtr)p);
                return p;
            }
            fixed (byte* blocks = weight.Blocks)
            fixed (byte* scales = weight.Scales)
            {
                try
                {
                    var products = new Mxfp4Product[counts.Length];
                    var outputs = new float*[counts.Length];
                    for (int i = 0; i < counts.Length; i++)
                    {
                        var prepared = Native(new float[counts[i] * columns]);
                        var raw = Native(inputs[i]);
                        EvenOddInput.Prepare(raw, counts[i], columns, prepared);
                        outputs[i] = Native(new float[counts[i] * rows]);
                        products[i] = new Mxfp4Product(blocks + (long)experts[i] * rows * columns / 2, scales + (long)experts[i] * rows * columns / 32,
                            prepared, counts[i], Native(biases[i]), outputs[i]);
                    }

                    Mxfp4Matmul.MultiplyPrepared(products, rows, columns, path, threads: 2);

                    for (int i = 0; i < counts.Length; i++)
                    {
                        var (expected, magnitude) = weight.Multiply(experts[i], inputs[i], counts[i], biases[i]);
                        Mxfp4Reference.AssertClose(expected, magnitude, new Span<float>(outputs[i], counts[i] * rows).ToArray(), $"{path} rows={rows} product {i} (expert {experts[i]}, n={counts[i]})");
                    }
                }
                finally
                {
                    foreach (var p in buffers) NativeMemory.AlignedFree((void*)p);
                }
            }
        }
    }

    [Fact]
    public void Stacked_row_ranges_cover_every_row_of_every_matrix_exactly_once()
    {
        int[] rows = [0, 5, 0, 1000, 3, 17, 0];
        var seen = new ConcurrentDictionary<(int Matrix, int Row), int>();
        var ranges = new ConcurrentBag<(int Matrix, int First, int End)>();
        // Work per row far above MinParallelWork: many chunks, several running on pool threads.
        RowPartition.Run(rows, threads: 2, workPerRow: RowPartition.MinParallelWork, (matrix, first, end) =>
        {
            ranges.Add((matrix, first, end));
            for (int r = first; r < end; r++) seen.AddOrUpdate((matrix, r), 1, (_, count) => count + 1);
        });

        Assert.All(ranges, range => Assert.True(range.First < range.End && range.End <= rows[range.Matrix], $"range {range} of matrix with {rows[range.Matrix]} rows"));
        Assert.Equal(rows.Sum(), seen.Count);
        Assert.All(seen, pair => Assert.Equal(1, pair.Value));
        Assert.True(ranges.Count > rows.Count(r => r > 0), "the rows were not split into several chunks");
    }
}
