namespace GptOssWorkbench.Engine.Kernels;

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

/// <summary>
/// Dot products of one packed MXFP4 weight row with activation rows prepared by <see cref="EvenOddInput"/>
/// (per 32-element block: 16 even elements, then 16 odd ones). Each block's 32 products are summed
/// unscaled, then multiplied by the block's power-of-two scale: exact in real arithmetic, and it costs one
/// multiply per block instead of one per weight.
/// </summary>
internal static unsafe class Mxfp4Scale
{
    /// <summary>2^(s-127) for every scale byte. s = 0 is a subnormal fp32 (exact); s = 255 is +inf, as ldexp gives.</summary>
    public static readonly float* Table = CreateTable();

    /// <summary>FP4 E2M1 values by 4-bit code: bit 3 is the sign, bits 0-2 index {0, .5, 1, 1.5, 2, 3, 4, 6}.</summary>
    public static readonly float* Values = CreateValues();

    private static float* CreateTable()
    {
        var table = (float*)NativeMemory.AlignedAlloc(256 * sizeof(float), 64);
        for (var s = 0; s < 256; s++) table[s] = MathF.ScaleB(1f, s - 127);
        return table;
    }

    private static float* CreateValues()
    {
        var values = (float*)NativeMemory.AlignedAlloc(16 * sizeof(float), 64);
        ReadOnlySpan<float> magnitudes = [0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f];
        for (var code = 0; code < 16; code++) values[code] = code < 8 ? magnitudes[code] : -magnitudes[code - 8];
        return values;
    }
}

internal static unsafe class Mxfp4RowsScalar
{
    public static float DotOne(byte* blocks, byte* scales, int blockCount, float* x)
    {
        var values = Mxfp4Scale.Values;
        var total = 0f;
        for (var g = 0; g < blockCount; g++)
        {
            var codes = blocks + g * 16;
            var xg = x + g * 32;
            var part = 0f;
            for (var j = 0; j < 16; j++)
            {
                part += values[codes[j] & 0x0F] * xg[j] + values[codes[j] >> 4] * xg[16 + j];
            }
            total += part * Mxfp4Scale.Table[scales[g]];
        }
        return total;
    }
}

internal static unsafe class Mxfp4Rows512
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float DotOne(byte* blocks, byte* scales, int blockCount, float* x)
    {
        var values = Vector512.Load(Mxfp4Scale.Values);
        var scaleTable = Mxfp4Scale.Table;
        Vector512<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        var end = blocks + blockCount * 16;
        // Four independent accumulators hide the FMA latency between consecutive blocks; pointers advance
        // instead of recomputing offsets, which keeps the integer work per block small.
        for (; blocks + 64 <= end; blocks += 64, scales += 4, x += 128)
        {
            acc0 = Block(values, blocks, scaleTable[scales[0]], x, acc0);
            acc1 = Block(values, blocks + 16, scaleTable[scales[1]], x + 32, acc1);
            acc2 = Block(values, blocks + 32, scaleTable[scales[2]], x + 64, acc2);
            acc3 = Block(values, blocks + 48, scaleTable[scales[3]], x + 96, acc3);
        }
        for (; blocks < end; blocks += 16, scales++, x += 32) acc0 = Block(values, blocks, scaleTable[scales[0]], x, acc0);
        acc0 += acc2;
        acc1 += acc3;
        return Vector512.Sum(acc0 + acc1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Block(Vector512<float> values, byte* codes, float scale, float* x, Vector512<float> acc)
    {
        // Widen 16 bytes to 16 int lanes; vpermps uses only the low 4 bits of each lane as the table index,
        // so the low nibble (even element) needs no mask and the high nibble (odd element) one shift.
        var packed = Avx512F.ConvertToVector512Int32(Vector128.Load(codes));
        var even = Avx512F.PermuteVar16x32(values, packed);
        var odd = Avx512F.PermuteVar16x32(values, Avx512F.ShiftRightLogical(packed, 4));
        var sum = Avx512F.FusedMultiplyAdd(odd, Vector512.Load(x + 16), Avx512F.Multiply(even, Vector512.Load(x)));
        return Avx512F.FusedMultiplyAdd(sum, Vector512.Create(scale), acc);
    }

    /// <summary>Two activation rows (stride apart) against one weight row: each block is decoded once for both.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotTwo(byte* blocks, byte* scales, int blockCount, float* x, int stride, float* results)
    {
        var values = Vector512.Load(Mxfp4Scale.Values);
        Vector512<float> even0 = default, even1 = default, odd0 = default, odd1 = default;
        var x1 = x + stride;
        for (var g = 0; g < blockCount; g++)
        {
            var packed = Avx512F.ConvertToVector512Int32(Vector128.Load(blocks + g * 16));
            var scale = Vector512.Create(Mxfp4Scale.Table[scales[g]]);
            var even = Avx512F.Multiply(Avx512F.PermuteVar16x32(values, packed), scale);
            var odd = Avx512F.Multiply(Avx512F.PermuteVar16x32(values, Avx512F.ShiftRightLogical(packed, 4)), scale);
            var offset = g * 32;
            even0 = Avx512F.FusedMultiplyAdd(even, Vector512.Load(x + offset), even0);
            odd0 = Avx512F.FusedMultiplyAdd(odd, Vector512.Load(x + offset + 16), odd0);
            even1 = Avx512F.FusedMultiplyAdd(even, Vector512.Load(x1 + offset), even1);
            odd1 = Avx512F.FusedMultiplyAdd(odd, Vector512.Load(x1 + offset + 16), odd1);
        }
        results[0] = Vector512.Sum(even0 + odd0);
        results[1] = Vector512.Sum(even1 + odd1);
    }

    /// <summary>Four activation rows (stride apart) against one weight row: each block is decoded once for all four.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotFour(byte* blocks, byte* scales, int blockCount, float* x, int stride, float* results)
    {
        var values = Vector512.Load(Mxfp4Scale.Values);
        Vector512<float> even0 = default, even1 = default, even2 = default, even3 = default;
        Vector512<float> odd0 = default, odd1 = default, odd2 = default, odd3 = default;
        for (var g = 0; g < blockCount; g++)
        {
            var packed = Avx512F.ConvertToVector512Int32(Vector128.Load(blocks + g * 16));
            var scale = Vector512.Create(Mxfp4Scale.Table[scales[g]]);
            var even = Avx512F.Multiply(Avx512F.PermuteVar16x32(values, packed), scale);
            var odd = Avx512F.Multiply(Avx512F.PermuteVar16x32(values, Avx512F.ShiftRightLogical(packed, 4)), scale);
            var xg = x + g * 32;
            even0 = Avx512F.FusedMultiplyAdd(even, Vector512.Load(xg), even0);
            odd0 = Avx512F.FusedMultiplyAdd(odd, Vector512.Load(xg + 16), odd0);
            even1 = Avx512F.FusedMultiplyAdd(even, Vector512.Load(xg + stride), even1);
            odd1 = Avx512F.FusedMultiplyAdd(odd, Vector512.Load(xg + stride + 16), odd1);
            even2 = Avx512F.FusedMultiplyAdd(even, Vector512.Load(xg + 2 * stride), even2);
            odd2 = Avx512F.FusedMultiplyAdd(odd, Vector512.Load(xg + 2 * stride + 16), odd2);
            even3 = Avx512F.FusedMultiplyAdd(even, Vector512.Load(xg + 3 * stride), even3);
            odd3 = Avx512F.FusedMultiplyAdd(odd, Vector512.Load(xg + 3 * stride + 16), odd3);
        }
        results[0] = Vector512.Sum(even0 + odd0);
        results[1] = Vector512.Sum(even1 + odd1);
        results[2] = Vector512.Sum(even2 + odd2);
        results[3] = Vector512.Sum(even3 + odd3);
    }

    /// <summary>
    /// Two weight rows (rowStride bytes apart, scales scaleStride apart) against four activation rows: each
    /// activation vector loaded serves both weight rows, which halves the activation traffic from L2 that
    /// limits <see cref="DotFour"/>. Sixteen accumulators keep the FMA chains independent; results are
    /// written row-major: results[row * 4 + token].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotTwoByFour(byte* blocks, byte* scales, int rowStride, int scaleStride, int blockCount, float* x, int stride, float* results)
    {
        var values = Vector512.Load(Mxfp4Scale.Values);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default, b6 = default, b7 = default;
        var blocksB = blocks + rowStride;
        var scalesB = scales + scaleStride;
        var x1 = x + stride;
        var x2 = x + 2 * stride;
        var x3 = x + 3 * stride;
        for (var g = 0; g < blockCount; g++)
        {
            var packedA = Avx512F.ConvertToVector512Int32(Vector128.Load(blocks + g * 16));
            var scaleA = Vector512.Create(Mxfp4Scale.Table[scales[g]]);
            var evenA = Avx512F.Multiply(Avx512F.PermuteVar16x32(values, packedA), scaleA);
            var oddA = Avx512F.Multiply(Avx512F.PermuteVar16x32(values, Avx512F.ShiftRightLogical(packedA, 4)), scaleA);
            var packedB = Avx512F.ConvertToVector512Int32(Vector128.Load(blocksB + g * 16));
            var scaleB = Vector512.Create(Mxfp4Scale.Table[scalesB[g]]);
            var evenB = Avx512F.Multiply(Avx512F.PermuteVar16x32(values, packedB), scaleB);
            var oddB = Avx512F.Multiply(Avx512F.PermuteVar16x32(values, Avx512F.ShiftRightLogical(packedB, 4)), scaleB);
            var offset = g * 32;

            var xe = Vector512.Load(x + offset);
            var xo = Vector512.Load(x + offset + 16);
            a0 = Avx512F.FusedMultiplyAdd(evenA, xe, a0);
            a1 = Avx512F.FusedMultiplyAdd(oddA, xo, a1);
            b0 = Avx512F.FusedMultiplyAdd(evenB, xe, b0);
            b1 = Avx512F.FusedMultiplyAdd(oddB, xo, b1);
            xe = Vector512.Load(x1 + offset);
            xo = Vector512.Load(x1 + offset + 16);
            a2 = Avx512F.FusedMultiplyAdd(evenA, xe, a2);
            a3 = Avx512F.FusedMultiplyAdd(oddA, xo, a3);
            b2 = Avx512F.FusedMultiplyAdd(evenB, xe, b2);
            b3 = Avx512F.FusedMultiplyAdd(oddB, xo, b3);
            xe = Vector512.Load(x2 + offset);
            xo = Vector512.Load(x2 + offset + 16);
            a4 = Avx512F.FusedMultiplyAdd(evenA, xe, a4);
            a5 = Avx512F.FusedMultiplyAdd(oddA, xo, a5);
            b4 = Avx512F.FusedMultiplyAdd(evenB, xe, b4);
            b5 = Avx512F.FusedMultiplyAdd(oddB, xo, b5);
            xe = Vector512.Load(x3 + offset);
            xo = Vector512.Load(x3 + offset + 16);
            a6 = Avx512F.FusedMultiplyAdd(evenA, xe, a6);
            a7 = Avx512F.FusedMultiplyAdd(oddA, xo, a7);
            b6 = Avx512F.FusedMultiplyAdd(evenB, xe, b6);
            b7 = Avx512F.FusedMultiplyAdd(oddB, xo, b7);
        }
        results[0] = Vector512.Sum(a0 + a1);
        results[1] = Vector512.Sum(a2 + a3);
        results[2] = Vector512.Sum(a4 + a5);
        results[3] = Vector512.Sum(a6 + a7);
        results[4] = Vector512.Sum(b0 + b1);
        results[5] = Vector512.Sum(b2 + b3);
        results[6] = Vector512.Sum(b4 + b5);
        results[7] = Vector512.Sum(b6 + b7);
    }
}

internal static unsafe class Mxfp4Rows256
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float DotOne(byte* blocks, byte* scales, int blockCount, float* x)
    {
        var magnitudes = Vector256.Load(Mxfp4Scale.Values);
        var acc = Vector256<float>.Zero;
        for (var g = 0; g < blockCount; g++)
        {
            var codes = blocks + g * 16;
            var xg = x + g * 32;
            // Elements 0..15 of the block come from bytes 0..7, elements 16..31 from bytes 8..15.
            Decode(magnitudes, codes, out var even0, out var odd0);
            Decode(magnitudes, codes + 8, out var even1, out var odd1);
            var sum = Avx.Multiply(even0, Vector256.Load(xg));
            sum = Fma.MultiplyAdd(even1, Vector256.Load(xg + 8), sum);
            sum = Fma.MultiplyAdd(odd0, Vector256.Load(xg + 16), sum);
            sum = Fma.MultiplyAdd(odd1, Vector256.Load(xg + 24), sum);
            acc = Fma.MultiplyAdd(sum, Vector256.Create(Mxfp4Scale.Table[scales[g]]), acc);
        }
        return Vector256.Sum(acc);
    }

    /// <summary>vpermps on 8 lanes reaches only the 8 magnitudes; the code's bit 3 becomes the fp32 sign bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Decode(Vector256<float> magnitudes, byte* codes, out Vector256<float> even, out Vector256<float> odd)
    {
        var packed = Avx2.ConvertToVector256Int32(codes);
        var high = Avx2.ShiftRightLogical(packed, 4);
        var evenSign = Avx2.ShiftLeftLogical(Avx2.And(packed, Vector256.Create(8)), 28).AsSingle();
        var oddSign = Avx2.ShiftLeftLogical(Avx2.And(high, Vector256.Create(8)), 28).AsSingle();
        even = Avx.Xor(Avx2.PermuteVar8x32(magnitudes, packed), evenSign);
        odd = Avx.Xor(Avx2.PermuteVar8x32(magnitudes, high), oddSign);
    }
}
