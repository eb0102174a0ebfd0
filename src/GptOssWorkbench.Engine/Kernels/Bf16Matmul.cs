namespace GptOssWorkbench.Engine.Kernels;

using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// y[n, out] = x[n, in] · W^T (+ bias) for a dense bf16 weight and few tokens, the decode case. libtorch's
/// bf16 linear at batch 1 runs far below memory bandwidth on this CPU (measured 1.4-7.7 GB/s against a
/// ~40 GB/s read probe), while this streams each weight row once and widens bf16 to fp32 in registers.
/// Accumulates in fp32. For many tokens (prefill) libtorch's matmul is the faster choice: this kernel
/// re-reads each row (from L1) per token instead of blocking for reuse.
/// </summary>
public static unsafe class Bf16Matmul
{
    /// <summary>Raw form: weight is [rows, columns] bf16 bits row-major, x [n, columns] fp32, y receives [n, rows]; bias [rows] or null.</summary>
    public static void Multiply(ushort* weight, int rows, int columns, float* x, long n, float* bias, float* y,
        KernelPath path = KernelPath.Auto, int threads = 0)
    {
        CheckShape(rows, columns, n);
        var prepared = (float*)NativeMemory.AlignedAlloc((nuint)(n * columns * sizeof(float)), 64);
        try
        {
            EvenOddInput.Prepare(x, n, columns, prepared);
            Run(weight, rows, columns, prepared, n, bias, y, KernelPaths.Resolve(path), threads);
        }
        finally
        {
            NativeMemory.AlignedFree(prepared);
        }
    }

    /// <summary>As the fp32 raw form, with x given as bf16 bits [n, columns].</summary>
    public static void Multiply(ushort* weight, int rows, int columns, ushort* xBf16, long n, float* bias, float* y,
        KernelPath path = KernelPath.Auto, int threads = 0)
    {
        CheckShape(rows, columns, n);
        var prepared = (float*)NativeMemory.AlignedAlloc((nuint)(n * columns * sizeof(float)), 64);
        try
        {
            EvenOddInput.Prepare(xBf16, n, columns, prepared);
            Run(weight, rows, columns, prepared, n, bias, y, KernelPaths.Resolve(path), threads);
        }
        finally
        {
            NativeMemory.AlignedFree(prepared);
        }
    }

    /// <summary>
    /// Tensor form: weight is a contiguous CPU bf16 [out, in] tensor (memory-mapped views qualify; at most
    /// 2 GiB, which the 1.16 GB unembedding meets); x is [n, in] or [in], fp32 or bf16; bias null or [out],
    /// fp32 or bf16. Returns fp32 [n, out] (or [out]).
    /// </summary>
    public static Tensor Multiply(Tensor weight, Tensor x, Tensor? bias = null, KernelPath path = KernelPath.Auto, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(x);
        if (weight.dtype != ScalarType.BFloat16 || weight.dim() != 2)
            throw new ArgumentException($"weight must be a 2-D bfloat16 tensor, not {weight.dtype} [{string.Join(", ", weight.shape)}].", nameof(weight));
        var rows = checked((int)weight.shape[0]);
        var columns = checked((int)weight.shape[1]);
        if (x.device_type != DeviceType.CPU) throw new ArgumentException($"x must be on the CPU, not {x.device}.", nameof(x));
        if (x.dtype != ScalarType.Float32 && x.dtype != ScalarType.BFloat16) throw new ArgumentException($"x must be float32 or bfloat16, not {x.dtype}.", nameof(x));
        var vector = x.dim() == 1;
        if ((x.dim() != 1 && x.dim() != 2) || x.shape[^1] != columns)
            throw new ArgumentException($"x has shape [{string.Join(", ", x.shape)}]; expected [n, {columns}] or [{columns}].", nameof(x));
        if (bias is not null && (bias.dim() != 1 || bias.shape[0] != rows))
            throw new ArgumentException($"bias has shape [{string.Join(", ", bias.shape)}]; expected [{rows}].", nameof(bias));
        var n = vector ? 1 : x.shape[0];

        var y = vector ? empty(rows, ScalarType.Float32) : empty(n, rows, ScalarType.Float32);
        if (n == 0) return y;
        using var xContiguous = x.contiguous();
        var biasRow = bias is null ? null : TensorMemory.CopyToSingle(bias, "bias");
        try
        {
            var weightPointer = (ushort*)TensorMemory.Pointer(weight, "weight");
            var xPointer = TensorMemory.Pointer(xContiguous, "x");
            var yPointer = (float*)TensorMemory.Pointer(y, "y");
            if (x.dtype == ScalarType.Float32)
                Multiply(weightPointer, rows, columns, (float*)xPointer, n, biasRow, yPointer, path, threads);
            else
                Multiply(weightPointer, rows, columns, (ushort*)xPointer, n, biasRow, yPointer, path, threads);
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

    private static void CheckShape(int rows, int columns, long n)
    {
        if (rows <= 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be positive.");
        if (columns <= 0 || columns % 32 != 0) throw new ArgumentOutOfRangeException(nameof(columns), columns, "columns must be a positive multiple of 32 (every gpt-oss input width is).");
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "n must not be negative.");
    }

    private static void Run(ushort* weight, int rows, int columns, float* x, long n, float* bias, float* y, KernelPath path, int threads)
    {
        if (n == 0) return;
        RowPartition.Run(rows, threads, columns / 32 * n, (first, end) =>
        {
            var results = stackalloc float[8];
            var r = first;
            if (path == KernelPath.Vector512 && n >= 4)
            {
                // Pairs of rows share each activation load; tokens beyond the last group of four go to Remainder.
                for (; r + 2 <= end; r += 2)
                {
                    var row = weight + (long)r * columns;
                    long t = 0;
                    for (; t + 4 <= n; t += 4)
                    {
                        Bf16Rows.DotTwoByFour512(row, columns, x + t * columns, columns, results);
                        for (var i = 0; i < 4; i++)
                        {
                            y[(t + i) * rows + r] = results[i] + Bias(bias, r);
                            y[(t + i) * rows + r + 1] = results[4 + i] + Bias(bias, r + 1);
                        }
                    }
                    Remainder(weight, rows, columns, x, n, bias, y, path, r, t, results);
                    Remainder(weight, rows, columns, x, n, bias, y, path, r + 1, t, results);
                }
            }
            for (; r < end; r++)
            {
                var row = weight + (long)r * columns;
                long t = 0;
                if (path == KernelPath.Vector512)
                {
                    for (; t + 4 <= n; t += 4)
                    {
                        Bf16Rows.DotFour512(row, columns, x + t * columns, columns, results);
                        for (var i = 0; i < 4; i++) y[(t + i) * rows + r] = results[i] + Bias(bias, r);
                    }
                }
                Remainder(weight, rows, columns, x, n, bias, y, path, r, t, results);
            }
        });
    }

    /// <summary>Tokens [t, n) of row r, fewer than four on the Vector512 path: a pair if there is one, then one by one.</summary>
    private static void Remainder(ushort* weight, int rows, int columns, float* x, long n, float* bias, float* y, KernelPath path, int r, long t, float* results)
    {
        var row = weight + (long)r * columns;
        if (path == KernelPath.Vector512)
        {
            for (; t + 2 <= n; t += 2)
            {
                Bf16Rows.DotTwo512(row, columns, x + t * columns, columns, results);
                y[t * rows + r] = results[0] + Bias(bias, r);
                y[(t + 1) * rows + r] = results[1] + Bias(bias, r);
            }
        }
        for (; t < n; t++)
        {
            var xRow = x + t * columns;
            var dot = path switch
            {
                KernelPath.Vector512 => Bf16Rows.DotOne512(row, columns, xRow),
                KernelPath.Vector256 => Bf16Rows.DotOne256(row, columns, xRow),
                _ => Bf16Rows.DotOneScalar(row, columns, xRow),
            };
            y[t * rows + r] = dot + Bias(bias, r);
        }
    }

    private static float Bias(float* bias, int r) => bias is null ? 0f : bias[r];
}
