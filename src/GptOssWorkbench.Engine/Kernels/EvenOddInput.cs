namespace GptOssWorkbench.Engine.Kernels;

/// <summary>
/// Reorders activation rows into the order the MXFP4 and bf16 kernels consume them. A packed byte holds element 2j
/// in its low nibble and 2j+1 in its high nibble, so a kernel that widens 16 bytes to 16 lanes gets the 16
/// even elements of a block from the low nibbles and the 16 odd ones from the high nibbles. Reordering x
/// once per call (per block: 16 even elements, then 16 odd ones) spares every weight row an interleave.
/// The bf16 kernel uses the same order: a 32-bit lane of bf16 weights holds element 2j in its low half and
/// 2j+1 in its high half. Columns must be a multiple of 32.
/// </summary>
internal static unsafe class EvenOddInput
{
    public static void Prepare(float* x, long n, int columns, float* destination)
    {
        for (long t = 0; t < n; t++)
        {
            var source = x + t * columns;
            var target = destination + t * columns;
            for (var block = 0; block < columns; block += 32)
            {
                for (var j = 0; j < 16; j++)
                {
                    target[block + j] = source[block + 2 * j];
                    target[block + 16 + j] = source[block + 2 * j + 1];
                }
            }
        }
    }

    /// <summary>Same as <see cref="Prepare(float*, long, int, float*)"/> for bf16 rows (raw bits), widened exactly to fp32.</summary>
    public static void Prepare(ushort* x, long n, int columns, float* destination)
    {
        for (long t = 0; t < n; t++)
        {
            var source = x + t * columns;
            var target = destination + t * columns;
            for (var block = 0; block < columns; block += 32)
            {
                for (var j = 0; j < 16; j++)
                {
                    target[block + j] = Bf16.ToSingle(source[block + 2 * j]);
                    target[block + 16 + j] = Bf16.ToSingle(source[block + 2 * j + 1]);
                }
            }
        }
    }
}

/// <summary>bf16 is the upper half of an fp32: widening is a 16-bit shift, no rounding involved.</summary>
internal static class Bf16
{
    public static float ToSingle(ushort bits) => BitConverter.Int32BitsToSingle(bits << 16);
}
