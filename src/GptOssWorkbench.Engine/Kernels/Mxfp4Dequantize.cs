namespace GptOssWorkbench.Engine.Kernels;

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using GptOssWorkbench.Engine.Weights;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// Expands one MXFP4 expert to a dense bf16 [rows, columns] matrix for libtorch's GEMM (prefill, where many
/// token rows share each weight and bf16 GEMM beats the fused kernel). Every FP4 value times a power-of-two
/// scale is exact in fp32 and keeps its exact bits in bf16 (the upper half), so this equals the tensor-op
/// dequantization, at a fraction of its cost: one pass, no intermediate tensors, into a reused buffer.
/// </summary>
public static unsafe class Mxfp4Dequantize
{
    /// <summary>
    /// Writes expert <paramref name="expert"/> of <paramref name="weight"/> into <paramref name="destination"/>,
    /// a contiguous CPU bf16 tensor with at least rows × columns elements (filled from the start, row-major).
    /// </summary>
    public static void ToBf16(Mxfp4Tensor weight, int expert, Tensor destination, KernelPath path = KernelPath.Auto, int threads = 0)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.dtype != ScalarType.BFloat16) throw new ArgumentException($"destination must be bfloat16, not {destination.dtype}.", nameof(destination));
        if (expert < 0 || expert >= weight.Experts) throw new ArgumentOutOfRangeException(nameof(expert), expert, $"expert must be in [0, {weight.Experts}).");
        var rows = checked((int)weight.Rows);
        var columns = checked((int)weight.Columns);
        if (destination.numel() < (long)rows * columns)
            throw new ArgumentException($"destination holds {destination.numel()} elements; expert needs {rows} x {columns}.", nameof(destination));
        var blocks = (byte*)TensorMemory.Pointer(weight.Blocks, expert, "blocks");
        var scales = (byte*)TensorMemory.Pointer(weight.Scales, expert, "scales");
        var target = (ushort*)TensorMemory.Pointer(destination, "destination");
        var resolved = KernelPaths.Resolve(path);
        var blockCount = columns / 32;
        RowPartition.Run(rows, threads <= 0 ? Environment.ProcessorCount : threads, blockCount, (first, end) =>
        {
            for (var r = first; r < end; r++)
            {
                var rowBlocks = blocks + (long)r * blockCount * 16;
                var rowScales = scales + (long)r * blockCount;
                var rowTarget = target + (long)r * columns;
                if (resolved == KernelPath.Vector512) Row512(rowBlocks, rowScales, blockCount, rowTarget);
                else RowScalar(rowBlocks, rowScales, blockCount, rowTarget); // Vector256 too: this runs once per expert per prefill chunk
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row512(byte* blocks, byte* scales, int blockCount, ushort* target)
    {
        var values = Vector512.Load(Mxfp4Scale.Values);
        var high = Vector512.Create(0xFFFF0000u);
        for (var g = 0; g < blockCount; g++)
        {
            var packed = Avx512F.ConvertToVector512Int32(Vector128.Load(blocks + g * 16));
            var scale = Vector512.Create(Mxfp4Scale.Table[scales[g]]);
            // Lane j holds elements 2j (low nibble) and 2j+1 (high nibble); as bf16 pairs that is the natural order.
            var even = Avx512F.Multiply(Avx512F.PermuteVar16x32(values, packed), scale).AsUInt32();
            var odd = Avx512F.Multiply(Avx512F.PermuteVar16x32(values, Avx512F.ShiftRightLogical(packed, 4)), scale).AsUInt32();
            (Vector512.ShiftRightLogical(even, 16) | (odd & high)).Store((uint*)(target + g * 32));
        }
    }

    private static void RowScalar(byte* blocks, byte* scales, int blockCount, ushort* target)
    {
        for (var g = 0; g < blockCount; g++)
        {
            var scale = Mxfp4Scale.Table[scales[g]];
            for (var j = 0; j < 16; j++)
            {
                var code = blocks[g * 16 + j];
                target[g * 32 + 2 * j] = ToBf16Bits(Mxfp4Scale.Values[code & 0x0F] * scale);
                target[g * 32 + 2 * j + 1] = ToBf16Bits(Mxfp4Scale.Values[code >> 4] * scale);
            }
        }
    }

    /// <summary>The upper half of the fp32 bits: exact here, since every product has at most 2 significant bits.</summary>
    private static ushort ToBf16Bits(float value) => (ushort)(BitConverter.SingleToUInt32Bits(value) >> 16);
}
