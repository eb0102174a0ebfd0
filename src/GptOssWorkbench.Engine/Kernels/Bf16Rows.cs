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

    /// <summary>One weight row against four activation rows (stride apart): each weight load serves four tokens.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotFour512(ushort* weights, int columns, float* x, int stride, float* results)
    {
        var high = Vector512.Create(0xFFFF0000u);
        Vector512<float> even0 = default, even1 = default, even2 = default, even3 = default;
        Vector512<float> odd0 = default, odd1 = default, odd2 = default, odd3 = default;
        var x1 = x + stride;
        var x2 = x + 2 * stride;
        var x3 = x + 3 * stride;
        for (var c = 0; c < columns; c += 32)
        {
            var pairs = Vector512.Load((uint*)(weights + c));
            var even = Vector512.ShiftLeft(pairs, 16).AsSingle();
            var odd = (pairs & high).AsSingle();
            even0 = Vector512.FusedMultiplyAdd(even, Vector512.Load(x + c), even0);
            odd0 = Vector512.FusedMultiplyAdd(odd, Vector512.Load(x + c + 16), odd0);
            even1 = Vector512.FusedMultiplyAdd(even, Vector512.Load(x1 + c), even1);
            odd1 = Vector512.FusedMultiplyAdd(odd, Vector512.Load(x1 + c + 16), odd1);
            even2 = Vector512.FusedMultiplyAdd(even, Vector512.Load(x2 + c), even2);
            odd2 = Vector512.FusedMultiplyAdd(odd, Vector512.Load(x2 + c + 16), odd2);
            even3 = Vector512.FusedMultiplyAdd(even, Vector512.Load(x3 + c), even3);
            odd3 = Vector512.FusedMultiplyAdd(odd, Vector512.Load(x3 + c + 16), odd3);
        }
        results[0] = Vector512.Sum(even0 + odd0);
        results[1] = Vector512.Sum(even1 + odd1);
        results[2] = Vector512.Sum(even2 + odd2);
        results[3] = Vector512.Sum(even3 + odd3);
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
