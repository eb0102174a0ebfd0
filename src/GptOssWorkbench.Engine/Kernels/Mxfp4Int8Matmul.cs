namespace GptOssWorkbench.Engine.Kernels;

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

/// <summary>
/// y[n, out] = x[n, in] · W^T (+ bias) for MXFP4 weights with the activation rows quantized to int8 blocks
/// (<see cref="Int8Activations"/>), the way llama.cpp reaches its decode speed on this CPU: the 4-bit codes are
/// looked up as bytes (vpshufb, FP4 × 2 + 12, all integers in [0, 24]), multiplied by the int8 activations with
/// vpdpbusd (AVX-VNNI) or vpmaddubsw + vpmaddwd (AVX2), and each 32-element block's integer sum is converted and scaled once by
/// 2^(e8m0 - 127) × the activation scale. No weight is ever converted to float: a pair of blocks (32 code bytes)
/// costs ~13 instructions, where the fp32 kernel (<see cref="Mxfp4Matmul"/>) needs ~20 double-pumped 512-bit ones.
/// The stored MXFP4 layout already suits this: the low nibbles of a block are its even elements and the high
/// nibbles its odd ones, so the quantized activations take that order instead of the weights being repacked.
/// Scale byte 0 counts as 0 here (2^-127 in the format; it only scales values below 1e-37).
/// Without AVX2 the same integer arithmetic runs in scalar code (slow; for tests and odd CPUs: the engine uses
/// this kernel only where <see cref="IsAccelerated"/>).
/// </summary>
public static unsafe class Mxfp4Int8Matmul
{
    /// <summary>Whether this CPU has the integer dot product the kernel is built on.</summary>
    public static bool IsAccelerated => Avx2.IsSupported && Fma.IsSupported;

    /// <summary>
    /// Raw form: <paramref name="blocks"/> [rows, columns/32, 16] code bytes, <paramref name="scales"/>
    /// [rows, columns/32], x [n, columns] fp32 in natural order, y [n, rows], bias [rows] or null.
    /// <paramref name="accelerated"/> false forces the scalar code.
    /// </summary>
    public static void Multiply(byte* blocks, byte* scales, int rows, int columns, float* x, long n, float* bias, float* y,
        int threads = 0, bool accelerated = true)
    {
        if (rows <= 0) throw new ArgumentOutOfRangeException(nameof(rows), rows, "rows must be positive.");
        if (columns <= 0 || columns % 32 != 0) throw new ArgumentOutOfRangeException(nameof(columns), columns, "columns must be a positive multiple of 32 (the MXFP4 block size).");
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "n must not be negative.");
        if (n == 0) return;
        var quantized = (byte*)NativeMemory.AlignedAlloc((nuint)(n * Int8Activations.RowBytes(columns)), 64);
        try
        {
            Int8Activations.Quantize(x, n, columns, quantized);
            MultiplyQuantized([new Mxfp4Int8Product(blocks, scales, quantized, n, bias, y)], rows, columns, threads, accelerated);
        }
        finally
        {
            NativeMemory.AlignedFree(quantized);
        }
    }

    /// <summary>
    /// Several experts of one projection in one parallel region (see <see cref="RowPartition.Run(IReadOnlyList{int}, int, long, Action{int, int, int})"/>):
    /// each weight row is read once for all of its product's token rows, four at a time.
    /// </summary>
    internal static void MultiplyQuantized(IReadOnlyList<Mxfp4Int8Product> products, int rows, int columns, int threads = 0, bool accelerated = true)
    {
        var maxTokens = 0L;
        foreach (var product in products) maxTokens = Math.Max(maxTokens, product.N);
        var useVector = accelerated && IsAccelerated;
        var blockCount = columns / 32;
        var works = new RowWork[products.Count];
        var rowCounts = new int[products.Count];
        for (var i = 0; i < products.Count; i++)
        {
            works[i] = new RowWork(products[i], blockCount, rows, useVector);
            rowCounts[i] = products[i].N == 0 ? 0 : rows;
        }
        RowPartition.Run(rowCounts, threads, blockCount * maxTokens, (product, first, end) => works[product].Rows(first, end));
    }

    private sealed class RowWork(Mxfp4Int8Product product, int blockCount, int rows, bool vector)
    {
        public void Rows(int first, int end)
        {
            var results = stackalloc float[4];
            var stride = Int8Activations.RowBytes(blockCount * 32);
            var n = product.N;
            for (var r = first; r < end; r++)
            {
                var rowBlocks = product.Blocks + (long)r * blockCount * 16;
                var rowScales = product.Scales + (long)r * blockCount;
                var bias = product.Bias is null ? 0f : product.Bias[r];
                long t = 0;
                if (vector)
                {
                    for (; t + 4 <= n; t += 4)
                    {
                        Mxfp4Int8Rows.DotFour(rowBlocks, rowScales, blockCount, product.X + t * stride, stride, results);
                        for (var i = 0; i < 4; i++) product.Y[(t + i) * rows + r] = results[i] + bias;
                    }
                }
                for (; t < n; t++)
                {
                    var xRow = product.X + t * stride;
                    var dot = vector ? Mxfp4Int8Rows.DotOne(rowBlocks, rowScales, blockCount, xRow) : Mxfp4Int8Rows.DotOneScalar(rowBlocks, rowScales, blockCount, xRow);
                    product.Y[t * rows + r] = dot + bias;
                }
            }
        }
    }
}

/// <summary>One expert's part of a grouped int8 call: packed weight rows, its token rows quantized by <see cref="Int8Activations"/>, bias [rows] or null, output y [n, rows].</summary>
internal readonly unsafe struct Mxfp4Int8Product(byte* blocks, byte* scales, byte* x, long n, float* bias, float* y)
{
    public byte* Blocks { get; } = blocks;
    public byte* Scales { get; } = scales;
    public byte* X { get; } = x;
    public long N { get; } = n;
    public float* Bias { get; } = bias;
    public float* Y { get; } = y;
}

internal static unsafe class Mxfp4Int8Rows
{
    /// <summary>FP4 E2M1 × 2 + 12 by code: 2 × {0, .5, 1, 1.5, 2, 3, 4, 6} = {0, 1, 2, 3, 4, 6, 8, 12}, sign by bit 3.</summary>
    private static ReadOnlySpan<byte> Lookup => [12, 13, 14, 15, 16, 18, 20, 24, 12, 11, 10, 9, 8, 6, 4, 0];

    /// <summary>vpshufb pattern that spreads scale byte 0 of a 128-bit lane over int32 lanes 0-3 and byte 1 over 4-7.</summary>
    private static ReadOnlySpan<byte> ScaleSpread =>
    [
        0, 0x80, 0x80, 0x80, 0, 0x80, 0x80, 0x80, 0, 0x80, 0x80, 0x80, 0, 0x80, 0x80, 0x80,
        1, 0x80, 0x80, 0x80, 1, 0x80, 0x80, 0x80, 1, 0x80, 0x80, 0x80, 1, 0x80, 0x80, 0x80,
    ];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float DotOne(byte* blocks, byte* scales, int blockCount, byte* x)
    {
        var table = Vector256.Create(Vector128.Create(Lookup));
        var spread = Vector256.Create(ScaleSpread);
        var mask = Vector256.Create((byte)0x0F);
        var acc = Vector256<float>.Zero;
        var pairs = blockCount / 2;
        for (var p = 0; p < pairs; p++)
        {
            var codes = Vector256.Load(blocks + p * 32);
            var low = Avx2.Shuffle(table, codes & mask);
            var high = Avx2.Shuffle(table, Avx2.ShiftRightLogical(codes.AsUInt16(), 4).AsByte() & mask);
            var weightScale = WeightScales(scales + p * 2, spread);
            var px = x + (long)p * Int8Activations.PairBytes;
            var dot = DotAdd(Vector256.Load((int*)(px + 64)), low, Vector256.Load((sbyte*)px), high, Vector256.Load((sbyte*)(px + 32)));
            acc = Fma.MultiplyAdd(Avx.ConvertToVector256Single(dot), weightScale * Vector256.Load((float*)(px + 96)), acc);
        }
        var total = Vector256.Sum(acc);
        if (blockCount % 2 == 1) total += TailBlock(blocks, scales, blockCount, x);
        return total;
    }

    /// <summary>Four quantized rows (stride bytes apart) against one weight row: the lookup and scales are done once for all four.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotFour(byte* blocks, byte* scales, int blockCount, byte* x, long stride, float* results)
    {
        var table = Vector256.Create(Vector128.Create(Lookup));
        var spread = Vector256.Create(ScaleSpread);
        var mask = Vector256.Create((byte)0x0F);
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        var pairs = blockCount / 2;
        for (var p = 0; p < pairs; p++)
        {
            var codes = Vector256.Load(blocks + p * 32);
            var low = Avx2.Shuffle(table, codes & mask);
            var high = Avx2.Shuffle(table, Avx2.ShiftRightLogical(codes.AsUInt16(), 4).AsByte() & mask);
            var weightScale = WeightScales(scales + p * 2, spread);
            var px = x + (long)p * Int8Activations.PairBytes;
            acc0 = Accumulate(acc0, low, high, weightScale, px);
            acc1 = Accumulate(acc1, low, high, weightScale, px + stride);
            acc2 = Accumulate(acc2, low, high, weightScale, px + 2 * stride);
            acc3 = Accumulate(acc3, low, high, weightScale, px + 3 * stride);
        }
        results[0] = Vector256.Sum(acc0);
        results[1] = Vector256.Sum(acc1);
        results[2] = Vector256.Sum(acc2);
        results[3] = Vector256.Sum(acc3);
        if (blockCount % 2 == 1)
        {
            for (var i = 0; i < 4; i++) results[i] += TailBlock(blocks, scales, blockCount, x + i * stride);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Accumulate(Vector256<float> acc, Vector256<byte> low, Vector256<byte> high, Vector256<float> weightScale, byte* px)
    {
        var dot = DotAdd(Vector256.Load((int*)(px + 64)), low, Vector256.Load((sbyte*)px), high, Vector256.Load((sbyte*)(px + 32)));
        return Fma.MultiplyAdd(Avx.ConvertToVector256Single(dot), weightScale * Vector256.Load((float*)(px + 96)), acc);
    }

    /// <summary>
    /// start + Σ over each int32 lane's four bytes of low·even + high·odd: vpdpbusd where the CPU has AVX-VNNI (VEX),
    /// else vpmaddubsw (u8 × s8 pairs into int16; cannot saturate here: |2 · 24 · 127| twice is 12192 &lt; 32767) and
    /// vpmaddwd by ones. .NET 10 has no 512-bit VNNI intrinsic (AMD Zen 4 has only the EVEX form), so the fallback is
    /// what runs on this project's machines.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<int> DotAdd(Vector256<int> start, Vector256<byte> low, Vector256<sbyte> even, Vector256<byte> high, Vector256<sbyte> odd)
    {
        if (AvxVnni.IsSupported)
            return AvxVnni.MultiplyWideningAndAdd(AvxVnni.MultiplyWideningAndAdd(start, low, even), high, odd);
        var pairs = Avx2.MultiplyAddAdjacent(low, even) + Avx2.MultiplyAddAdjacent(high, odd);
        return start + Avx2.MultiplyAddAdjacent(pairs, Vector256.Create((short)1));
    }

    /// <summary>2^(s-127) of two consecutive scale bytes, in lanes 0-3 and 4-7: the e8m0 byte shifted into the fp32 exponent.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> WeightScales(byte* twoScales, Vector256<byte> spread)
    {
        var both = Vector256.Create(*(ushort*)twoScales).AsByte();
        return Avx2.ShiftLeftLogical(Avx2.Shuffle(both, spread).AsInt32(), 23).AsSingle();
    }

    /// <summary>The last block of an odd block count, on 128-bit vectors (a 256-bit load would read past the row).</summary>
    private static float TailBlock(byte* blocks, byte* scales, int blockCount, byte* x)
    {
        var g = blockCount - 1;
        var table = Vector128.Create(Lookup);
        var mask = Vector128.Create((byte)0x0F);
        var codes = Vector128.Load(blocks + g * 16);
        var low = Ssse3.Shuffle(table, codes & mask);
        var high = Ssse3.Shuffle(table, Sse2.ShiftRightLogical(codes.AsUInt16(), 4).AsByte() & mask);
        var px = x + (long)(g / 2) * Int8Activations.PairBytes;
        // vpmaddubsw cannot saturate here: |pair sum| <= 2 · 24 · 127 and the two add up to 12192 < 32767.
        var pairs16 = Ssse3.MultiplyAddAdjacent(low, Vector128.Load((sbyte*)px)) + Ssse3.MultiplyAddAdjacent(high, Vector128.Load((sbyte*)(px + 32)));
        var dot = Vector128.Load((int*)(px + 64)) + Sse2.MultiplyAddAdjacent(pairs16, Vector128.Create((short)1));
        var scaled = Sse2.ConvertToVector128Single(dot) * Vector128.Load((float*)(px + 96));
        return Vector128.Sum(scaled) * BitConverter.Int32BitsToSingle(scales[g] << 23);
    }

    /// <summary>The same integer arithmetic without vectors: per block the exact integer dot product, then both scales.</summary>
    public static float DotOneScalar(byte* blocks, byte* scales, int blockCount, byte* x)
    {
        var total = 0f;
        for (var g = 0; g < blockCount; g++)
        {
            var px = x + (long)(g / 2) * Int8Activations.PairBytes;
            var half = g % 2;
            var even = (sbyte*)px + half * 16;
            var odd = (sbyte*)px + 32 + half * 16;
            var starts = (int*)(px + 64) + half * 4;
            var dot = starts[0] + starts[1] + starts[2] + starts[3];
            var codes = blocks + g * 16;
            for (var j = 0; j < 16; j++) dot += Lookup[codes[j] & 0x0F] * even[j] + Lookup[codes[j] >> 4] * odd[j];
            total += dot * ((float*)(px + 96))[half * 4] * BitConverter.Int32BitsToSingle(scales[g] << 23);
        }
        return total;
    }
}
