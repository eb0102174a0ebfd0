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

    /// <summary>One weight row against two activation rows (stride apart): each weight load serves both tokens.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotTwo512(ushort* weights, int columns, float* x, int stride, float* results)
    {
        var high = Vector512.Create(0xFFFF0000u);
        Vector512<float> even0 = default, even1 = default, odd0 = default, odd1 = default;
        var x1 = x + stride;
        for (var c = 0; c < columns; c += 32)
        {
            var pairs = Vector512.Load((uint*)(weights + c));
            var even = Vector512.ShiftLeft(pairs, 16).AsSingle();
            var odd = (pairs & high).AsSingle();
            even0 = Vector512.FusedMultiplyAdd(even, Vector512.Load(x + c), even0);
            odd0 = Vector512.FusedMultiplyAdd(odd, Vector512.Load(x + c + 16), odd0);
            even1 = Vector512.FusedMultiplyAdd(even, Vector512.Load(x1 + c), even1);
            odd1 = Vector512.FusedMultiplyAdd(odd, Vector512.Load(x1 + c + 16), odd1);
        }
        results[0] = Vector512.Sum(even0 + odd0);
        results[1] = Vector512.Sum(even1 + odd1);
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

    /// <summary>
    /// Two weight rows (columns apart) against four activation rows: each activation load serves both weight
    /// rows, which halves the activation traffic from L2 that limits <see cref="DotFour512"/> beyond four
    /// tokens. Results are row-major: results[row * 4 + token].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotTwoByFour512(ushort* weights, int columns, float* x, int stride, float* results)
    {
        var high = Vector512.Create(0xFFFF0000u);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default, b6 = default, b7 = default;
        var weightsB = weights + columns;
        var x1 = x + stride;
        var x2 = x + 2 * stride;
        var x3 = x + 3 * stride;
        for (var c = 0; c < columns; c += 32)
        {
            var pairsA = Vector512.Load((uint*)(weights + c));
            var evenA = Vector512.ShiftLeft(pairsA, 16).AsSingle();
            var oddA = (pairsA & high).AsSingle();
            var pairsB = Vector512.Load((uint*)(weightsB + c));
            var evenB = Vector512.ShiftLeft(pairsB, 16).AsSingle();
            var oddB = (pairsB & high).AsSingle();

            var xe = Vector512.Load(x + c);
            var xo = Vector512.Load(x + c + 16);
            a0 = Vector512.FusedMultiplyAdd(evenA, xe, a0);
            a1 = Vector512.FusedMultiplyAdd(oddA, xo, a1);
            b0 = Vector512.FusedMultiplyAdd(evenB, xe, b0);
            b1 = Vector512.FusedMultiplyAdd(oddB, xo, b1);
            xe = Vector512.Load(x1 + c);
            xo = Vector512.Load(x1 + c + 16);
            a2 = Vector512.FusedMultiplyAdd(evenA, xe, a2);
            a3 = Vector512.FusedMultiplyAdd(oddA, xo, a3);
            b2 = Vector512.FusedMultiplyAdd(evenB, xe, b2);
            b3 = Vector512.FusedMultiplyAdd(oddB, xo, b3);
            xe = Vector512.Load(x2 + c);
            xo = Vector512.Load(x2 + c + 16);
            a4 = Vector512.FusedMultiplyAdd(evenA, xe, a4);
            a5 = Vector512.FusedMultiplyAdd(oddA, xo, a5);
            b4 = Vector512.FusedMultiplyAdd(evenB, xe, b4);
            b5 = Vector512.FusedMultiplyAdd(oddB, xo, b5);
            xe = Vector512.Load(x3 + c);
            xo = Vector512.Load(x3 + c + 16);
            a6 = Vector512.FusedMultiplyAdd(evenA, xe, a6);
            a7 = Vector512.FusedMultiplyAdd(oddA, xo, a7);
            b6 = Vector512.FusedMultiplyAdd(evenB, xe, b6);
            b7 = Vector512.FusedMultiplyAdd(oddB, xo, b7);
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
