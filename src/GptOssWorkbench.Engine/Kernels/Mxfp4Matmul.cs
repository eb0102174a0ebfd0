namespace GptOssWorkbench.Engine.Kernels;

using System.Runtime.InteropServices;
using GptOssWorkbench.Engine.Weights;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// y[n, out] = x[n, in] · W_e^T (+ bias) for one expert e of an MXFP4 weight, consuming the packed bytes
/// directly: the weights are decoded in registers, never materialised. Rows of W are split over threads
/// (<see cref="RowPartition"/>). A single token (decode) has its own loop; for more tokens, pairs of rows
/// meet groups of four tokens, so one decode serves four tokens and one activation load two rows, with
/// 2- and 1-token tails. Weights leave memory once per 32-token tile (later tiles find them in L2).
/// Accumulation is fp32; each 32-element block is summed unscaled and then multiplied by its scale.
/// </summary>
public static unsafe class Mxfp4Matmul
{
    /// <summary>Tokens whose activations stay in L2 while a chunk of weight rows is swept.</summary>
    private const int TokenTile = 32;

    /// <summary>
    /// Raw form. <paramref name="blocks"/> points at one expert's [rows, columns/32, 16] code bytes and
    /// <paramref name="scales"/> at its [rows, columns/32] scale bytes, both contiguous; x is [n, columns]
    /// fp32 row-major, y receives [n, rows] fp32; bias is [rows] fp32 or null.
    /// </summary>
    public static void Multiply(byte* blocks, byte* scales, int rows, int columns, float* x, long n, float* bias, float* y,
        KernelPath path = KernelPath.Auto, int threads = 0)
    {
        CheckShape(rows, columns, n);
        var prepared = (float*)NativeMemory.AlignedAlloc((nuint)(n * columns * sizeof(float)), 64);
        try
        {
            EvenOddInput.Prepare(x, n, columns, prepared);
            Run(blocks, scales, rows, columns, prepared, n, bias, y, KernelPaths.Resolve(path), threads);
        }
        finally
        {
            NativeMemory.AlignedFree(prepared);
        }
    }

    /// <summary>As the fp32 raw form, with x given as bf16 bits [n, columns].</summary>
    public static void Multiply(byte* blocks, byte* scales, int rows, int columns, ushort* xBf16, long n, float* bias, float* y,
        KernelPath path = KernelPath.Auto, int threads = 0)
    {
        CheckShape(rows, columns, n);
        var prepared = (float*)NativeMemory.AlignedAlloc((nuint)(n * columns * sizeof(float)), 64);
        try
        {
            EvenOddInput.Prepare(xBf16, n, columns, prepared);
            Run(blocks, scales, rows, columns, prepared, n, bias, y, KernelPaths.Resolve(path), threads);
        }
        finally
        {
            NativeMemory.AlignedFree(prepared);
        }
    }

    /// <summary>
    /// Tensor form: x is [n, in] (or [in]) fp32 or bf16 on the CPU; bias is null, [out] or the whole [E, out]
    /// bias of the layer (row <paramref name="expert"/> is used), fp32 or bf16. Returns fp32 [n, out] (or [out]).
    /// The packed tensors must be contiguous CPU uint8 tensors; memory-mapped views from the loader are.
    /// </summary>
    public static Tensor Multiply(Mxfp4Tensor weight, long expert, Tensor x, Tensor? bias = null,
        KernelPath path = KernelPath.Auto, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(x);
        var rows = checked((int)weight.Rows);
        var columns = checked((int)weight.Columns);
        CheckPacked(weight, expert);
        if (x.device_type != DeviceType.CPU) throw new ArgumentException($"x must be on the CPU, not {x.device}.", nameof(x));
        if (x.dtype != ScalarType.Float32 && x.dtype != ScalarType.BFloat16) throw new ArgumentException($"x must be float32 or bfloat16, not {x.dtype}.", nameof(x));
        var vector = x.dim() == 1;
        if ((x.dim() != 1 && x.dim() != 2) || x.shape[^1] != columns)
            throw new ArgumentException($"x has shape [{string.Join(", ", x.shape)}]; expected [n, {columns}] or [{columns}].", nameof(x));
        var n = vector ? 1 : x.shape[0];

        var y = vector ? empty(rows, ScalarType.Float32) : empty(n, rows, ScalarType.Float32);
        if (n == 0) return y;
        using var xContiguous = x.contiguous();
        var biasRow = BiasToSingle(bias, weight, expert, rows);
        try
        {
            var blocks = (byte*)TensorMemory.Pointer(weight.Blocks, expert, "blocks");
            var scales = (byte*)TensorMemory.Pointer(weight.Scales, expert, "scales");
            var xPointer = TensorMemory.Pointer(xContiguous, "x");
            var yPointer = (float*)TensorMemory.Pointer(y, "y");
            if (x.dtype == ScalarType.Float32)
                Multiply(blocks, scales, rows, columns, (float*)xPointer, n, biasRow, yPointer, path, threads);
            else
                Multiply(blocks, scales, rows, columns, (ushort*)xPointer, n, biasRow, yPointer, path, threads);
            return y;
        }
        catch
        {
            y.Dispose();
            throw;
        }
        finally
        {
            NativeMemory.Free(biasRow);
        }
    }

    /// <summary>
    /// Several experts of one projection in one parallel region: product i multiplies its token rows by its
    /// expert's packed weight. All share <paramref name="rows"/> × <paramref name="columns"/>; x of every
    /// product must already be in <see cref="EvenOddInput"/> order (prepare the step's rows once, not per expert).
    /// </summary>
    internal static void MultiplyPrepared(IReadOnlyList<Mxfp4Product> products, int rows, int columns, KernelPath path = KernelPath.Auto, int threads = 0)
    {
        var maxTokens = 0L;
        foreach (var product in products)
        {
            CheckShape(rows, columns, product.N);
            maxTokens = Math.Max(maxTokens, product.N);
        }
        var resolved = KernelPaths.Resolve(path);
        var blockCount = columns / 32;
        var works = products.Select(p => new RowWork(p.Blocks, p.Scales, blockCount, columns, rows, p.X, p.N, p.Bias, p.Y, resolved)).ToArray();
        var rowCounts = products.Select(p => p.N == 0 ? 0 : rows).ToArray();
        RowPartition.Run(rowCounts, threads, blockCount * maxTokens, (product, first, end) => works[product].Rows(first, end));
    }

    private static void CheckShape(int rows, int columns, long n)
    {
        if (rows <= 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be positive.");
        if (columns <= 0 || columns % 32 != 0) throw new ArgumentOutOfRangeException(nameof(columns), columns, "columns must be a positive multiple of 32 (the MXFP4 block size).");
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "n must not be negative.");
    }

    private static void CheckPacked(Mxfp4Tensor weight, long expert)
    {
        var blocks = weight.Blocks;
        var scales = weight.Scales;
        if (blocks.dtype != ScalarType.Byte || scales.dtype != ScalarType.Byte)
            throw new ArgumentException($"MXFP4 blocks and scales must be uint8, not {blocks.dtype} / {scales.dtype}.", nameof(weight));
        if (blocks.dim() != 4 || blocks.shape[3] != 16)
            throw new ArgumentException($"MXFP4 blocks have shape [{string.Join(", ", blocks.shape)}]; expected [E, out, in/32, 16].", nameof(weight));
        if (scales.dim() != 3 || scales.shape[0] != blocks.shape[0] || scales.shape[1] != blocks.shape[1] || scales.shape[2] != blocks.shape[2])
            throw new ArgumentException($"MXFP4 scales have shape [{string.Join(", ", scales.shape)}]; expected [{blocks.shape[0]}, {blocks.shape[1]}, {blocks.shape[2]}] to match the blocks.", nameof(weight));
        if (expert < 0 || expert >= blocks.shape[0])
            throw new ArgumentOutOfRangeException(nameof(expert), expert, $"expert must be in [0, {blocks.shape[0]}).");
    }

    /// <summary>The expert's bias as fp32 in native memory (caller frees), or null.</summary>
    private static float* BiasToSingle(Tensor? bias, Mxfp4Tensor weight, long expert, int rows)
    {
        if (bias is null) return null;
        if (bias.device_type != DeviceType.CPU) throw new ArgumentException($"bias must be on the CPU, not {bias.device}.", nameof(bias));
        var matchesRow = bias.dim() == 1 && bias.shape[0] == rows;
        var matchesLayer = bias.dim() == 2 && bias.shape[0] == weight.Experts && bias.shape[1] == rows;
        if (!matchesRow && !matchesLayer)
            throw new ArgumentException($"bias has shape [{string.Join(", ", bias.shape)}]; expected [{rows}] or [{weight.Experts}, {rows}].", nameof(bias));
        using var row = matchesLayer ? bias[expert] : bias.alias();
        return TensorMemory.CopyToSingle(row, "bias");
    }

    private static void Run(byte* blocks, byte* scales, int rows, int columns, float* x, long n, float* bias, float* y,
        KernelPath path, int threads)
    {
        if (n == 0) return;
        var blockCount = columns / 32;
        var work = new RowWork(blocks, scales, blockCount, columns, rows, x, n, bias, y, path);
        RowPartition.Run(rows, threads, blockCount * n, work.Rows);
    }

    /// <summary>The arguments of one call, captured once so the per-chunk delegate stays small.</summary>
    private sealed class RowWork(byte* blocks, byte* scales, int blockCount, int columns, int rows, float* x, long n, float* bias, float* y, KernelPath path)
    {
        public void Rows(int first, int end)
        {
            var results = stackalloc float[8];
            for (long tile = 0; tile < n; tile += TokenTile)
            {
                var tileEnd = Math.Min(n, tile + TokenTile);
                var r = first;
                if (path == KernelPath.Vector512 && tileEnd - tile >= 4)
                {
                    // Pairs of rows share each activation load (see DotTwoByFour); leftover tokens go one by one.
                    for (; r + 2 <= end; r += 2)
                    {
                        var t = tile;
                        for (; t + 4 <= tileEnd; t += 4)
                        {
                            Mxfp4Rows512.DotTwoByFour(RowBlocks(r), RowScales(r), blockCount * 16, blockCount, blockCount, x + t * columns, columns, results);
                            for (var i = 0; i < 4; i++)
                            {
                                y[(t + i) * rows + r] = results[i] + Bias(r);
                                y[(t + i) * rows + r + 1] = results[4 + i] + Bias(r + 1);
                            }
                        }
                        if (t < tileEnd)
                        {
                            Remainder(r, t, tileEnd, results);
                            Remainder(r + 1, t, tileEnd, results);
                        }
                    }
                }
                for (; r < end; r++)
                {
                    var t = tile;
                    for (; t + 4 <= tileEnd; t += 4)
                    {
                        DotFour(RowBlocks(r), RowScales(r), x + t * columns, results);
                        for (var i = 0; i < 4; i++) y[(t + i) * rows + r] = results[i] + Bias(r);
                    }
                    Remainder(r, t, tileEnd, results);
                }
            }
        }

        /// <summary>Tokens [t, tileEnd) of row r, fewer than four: in pairs where the path has a pair kernel, then one by one.</summary>
        private void Remainder(int r, long t, long tileEnd, float* results)
        {
            if (path == KernelPath.Vector512)
            {
                for (; t + 2 <= tileEnd; t += 2)
                {
                    Mxfp4Rows512.DotTwo(RowBlocks(r), RowScales(r), blockCount, x + t * columns, columns, results);
                    y[t * rows + r] = results[0] + Bias(r);
                    y[(t + 1) * rows + r] = results[1] + Bias(r);
                }
            }
            for (; t < tileEnd; t++) y[t * rows + r] = DotOne(RowBlocks(r), RowScales(r), x + t * columns) + Bias(r);
        }

        private byte* RowBlocks(int r) => blocks + (long)r * blockCount * 16;

        private byte* RowScales(int r) => scales + (long)r * blockCount;

        private float Bias(int r) => bias is null ? 0f : bias[r];

        private float DotOne(byte* rowBlocks, byte* rowScales, float* xRow) => path switch
        {
            KernelPath.Vector512 => Mxfp4Rows512.DotOne(rowBlocks, rowScales, blockCount, xRow),
            KernelPath.Vector256 => Mxfp4Rows256.DotOne(rowBlocks, rowScales, blockCount, xRow),
            _ => Mxfp4RowsScalar.DotOne(rowBlocks, rowScales, blockCount, xRow),
        };

        private void DotFour(byte* rowBlocks, byte* rowScales, float* xRows, float* results)
        {
            if (path == KernelPath.Vector512)
            {
                Mxfp4Rows512.DotFour(rowBlocks, rowScales, blockCount, xRows, columns, results);
                return;
            }
            for (var i = 0; i < 4; i++) results[i] = DotOne(rowBlocks, rowScales, xRows + i * columns);
        }
    }
}

/// <summary>One expert's part of a grouped call: packed weight rows, its token rows x [n, columns] in EvenOddInput order, bias [rows] or null, output y [n, rows].</summary>
internal readonly unsafe struct Mxfp4Product(byte* blocks, byte* scales, float* x, long n, float* bias, float* y)
{
    public byte* Blocks { get; } = blocks;
    public byte* Scales { get; } = scales;
    public float* X { get; } = x;
    public long N { get; } = n;
    public float* Bias { get; } = bias;
    public float* Y { get; } = y;
}
