namespace GptOssWorkbench.Engine.Kernels;

/// <summary>
/// Activation rows quantized to int8 blocks of 32 (one float scale per block, as llama.cpp's q8_0) in the order the
/// int8 MXFP4 kernel consumes them, so the expert weights can be multiplied with integer dot products.
/// A row is a sequence of block pairs of <see cref="PairBytes"/> bytes each: for blocks A = 2p and B = 2p+1
/// <list type="bullet">
/// <item>bytes 0-31: the 16 even elements of A, then the 16 even elements of B (int8), matching the low nibbles of
/// the 32 code bytes of A and B as one 256-bit load sees them;</item>
/// <item>bytes 32-63: the odd elements of A, then of B (the high nibbles);</item>
/// <item>bytes 64-95: eight int32 start values of the dot-product lanes, -12 × the sum of the lane's eight int8
/// values: the kernel looks the weights up as unsigned FP4×2 + 12 (vpdpbusd multiplies unsigned by signed bytes),
/// and starting each lane at this value removes the +12 again;</item>
/// <item>bytes 96-127: eight floats, lanes 0-3 A's scale and 4-7 B's, each halved (the looked-up weights are FP4×2).</item>
/// </list>
/// With an odd block count the last pair's B half is zero. Quantizing costs a rounding error of at most half a step
/// (amax/254) per element, on top of the bf16 rounding the fast path already has.
/// </summary>
internal static unsafe class Int8Activations
{
    public const int PairBytes = 128;

    /// <summary>Offset added to every looked-up weight so that it fits vpdpbusd's unsigned operand (FP4×2 ∈ [-12, 12]).</summary>
    public const int WeightOffset = 12;

    /// <summary>Bytes of one quantized row of <paramref name="columns"/> (a multiple of 32) elements.</summary>
    public static long RowBytes(int columns) => (long)(columns / 32 + 1) / 2 * PairBytes;

    public static void Quantize(float* x, long n, int columns, byte* destination)
    {
        var block = stackalloc float[32];
        for (long t = 0; t < n; t++)
        {
            var target = destination + t * RowBytes(columns);
            Clear(target, columns);
            for (var g = 0; g < columns / 32; g++)
            {
                var source = x + t * columns + g * 32;
                for (var i = 0; i < 32; i++) block[i] = source[i];
                QuantizeBlock(block, target, g);
            }
        }
    }

    /// <summary>As <see cref="Quantize(float*, long, int, byte*)"/> for bf16 rows (raw bits).</summary>
    public static void Quantize(ushort* x, long n, int columns, byte* destination)
    {
        var block = stackalloc float[32];
        for (long t = 0; t < n; t++)
        {
            var target = destination + t * RowBytes(columns);
            Clear(target, columns);
            for (var g = 0; g < columns / 32; g++)
            {
                var source = x + t * columns + g * 32;
                for (var i = 0; i < 32; i++) block[i] = Bf16.ToSingle(source[i]);
                QuantizeBlock(block, target, g);
            }
        }
    }

    private static void Clear(byte* row, int columns)
    {
        // Only the B half of an odd last pair is never written; clearing the whole row is simpler and cheap.
        new Span<byte>(row, checked((int)RowBytes(columns))).Clear();
    }

    private static void QuantizeBlock(float* values, byte* row, int g)
    {
        var amax = 0f;
        for (var i = 0; i < 32; i++) amax = MathF.Max(amax, MathF.Abs(values[i]));
        var inverse = amax > 0f ? 127f / amax : 0f;
        var pair = row + (long)(g / 2) * PairBytes;
        var half = g % 2;
        var codes = (sbyte*)pair;
        var starts = (int*)(pair + 64);
        var scales = (float*)(pair + 96);
        for (var j = 0; j < 16; j++)
        {
            var even = (int)MathF.Round(values[2 * j] * inverse);
            var odd = (int)MathF.Round(values[2 * j + 1] * inverse);
            codes[half * 16 + j] = (sbyte)even;
            codes[32 + half * 16 + j] = (sbyte)odd;
            // Lane l of the 256-bit dot product covers bytes 4l..4l+3 of both the even and the odd vector.
            starts[half * 4 + j / 4] -= WeightOffset * (even + odd);
        }
        for (var l = 0; l < 4; l++) scales[half * 4 + l] = amax / 127f * 0.5f;
    }
}
