namespace GptOssWorkbench.Engine.Kernels;

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

/// <summary>
/// Dot products of one bf16 weight row with an activation row prepared by <see cref="EvenOddInput"/>.
/// A bf16 value is the upper half of an fp32, so a 32-bit lane holding weights 2j (low half) and 2j+1
/// (high half) yields both as fp32 with one shift and one mask: no conversion instructions at all.
/// </summary>
internal static unsafe class Bf16Rows
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float DotOne512(ushort* weights, int columns, float* x)
    {
        var high = Vector512.Create(0xFFFF0000u);
        Vector512<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        var c = 0;
        for (; c + 64 <= columns; c += 64)
        {
            var pairs = Vector512.Load((uint*)(weights + c));
            acc0 = Vector512.FusedMultiplyAdd(Vector512.ShiftLeft(pairs, 16).AsSingle(), Vector512.Load(x + c), acc0);
            acc1 = Vector512.FusedMultiplyAdd((pairs & high).AsSingle(), Vector512.Load(x + c + 16), acc1);
            pairs = Vector512.Load((uint*)(weights + c + 32));
            acc2 = Vector512.FusedMultiplyAdd(Vector512.ShiftLeft(pairs, 16).AsSingle(), Vector512.Load(x + c + 32), acc2);
            acc3 = Vector512.FusedMultiplyAdd((pairs & high).AsSingle(), Vector512.Load(x + c + 48), acc3);
        }
        if (c < columns)
        {
            var pairs = Vector512.Load((uint*)(weights + c));
            acc0 = Vector512.FusedMultiplyAdd(Vector512.ShiftLeft(pairs, 16).AsSingle(), Vector512.Load(x + c), acc0);
            acc1 = Vector512.FusedMultiplyAdd((pairs & high).AsSingle(), Vector512.Load(x + c + 16), acc1);
        }
        return Vector512.Sum((acc0 + acc1) + (acc2 + acc3));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float DotOne256(ushort* weights, int columns, float* x)
    {
        var high = Vector256.Create(0xFFFF0000u);
        Vector256<float> acc0 = default, acc1 = default, acc2 = default, acc3 = default;
        for (var c = 0; c < columns; c += 32)
        {
            // Lanes of the first 8 pairs hold block elements 0..15: evens go with x[c..c+8], odds with x[c+16..c+24].
            var pairs = Vector256.Load((uint*)(weights + c));
            acc0 = Vector256.FusedMultiplyAdd(Vector256.ShiftLeft(pairs, 16).AsSingle(), Vector256.Load(x + c), acc0);
            acc1 = Vector256.FusedMultiplyAdd((pairs & high).AsSingle(), Vector256.Load(x + c + 16), acc1);
            pairs = Vector256.Load((uint*)(weights + c + 16));
            acc2 = Vector256.FusedMultiplyAdd(Vector256.ShiftLeft(pairs, 16).AsSingle(), Vector256.Load(x + c + 8), acc2);
            acc3 = Vector256.FusedMultiplyAdd((pairs & high).AsSingle(), Vector256.Load(x + c + 24), acc3);
        }
        return Vector256.Sum((acc0 + acc1) + (acc2 + acc3));
    }

    public static float DotOneScalar(ushort* weights, int columns, float* x)
    {
        var total = 0f;
        for (var c = 0; c < columns; c += 32)
        {
            for (var j = 0; j < 16; j++)
            {
                total += Bf16.ToSingle(weights[c + 2 * j]) * x[c + j] + Bf16.ToSingle(weights[c + 2 * j + 1]) * x[c + 16 + j];
            }
        }
        return total;
    }
}
