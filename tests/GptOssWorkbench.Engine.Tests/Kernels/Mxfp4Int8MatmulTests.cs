namespace GptOssWorkbench.Engine.Tests.Kernels;

using GptOssWorkbench.Engine.Kernels;

/// <summary>
/// The int8 MXFP4 kernel against the naive double reference: exactly (up to fp32 summation) when the activations
/// already lie on the int8 grid, and within the rounding bound of int8 quantization otherwise. The bound is
/// derived here from the definition of the quantization (each element moves by at most half a step,
/// amax of its block / 254), not from the kernel.
/// </summary>
public unsafe class Mxfp4Int8MatmulTests
{
    /// <summary>The vector kernel where this CPU has AVX2, and always the scalar code.</summary>
    public static TheoryData<bool> Variants()
    {
        var data = new TheoryData<bool> { false };
        if (Mxfp4Int8Matmul.IsAccelerated) data.Add(true);
        return data;
    }

    // (rows, columns, n): odd block counts (1, 3, 5 blocks: the 128-bit tail), even ones, 1..9 tokens (groups of four and the rest).
    private static readonly (int Rows, int Columns, int N)[] Shapes =
        [(7, 32, 1), (13, 64, 3), (40, 96, 4), (33, 160, 9), (96, 288, 1), (12, 96, 6), (11, 64, 7), (5, 2880, 5), (9, 2880, 1)];

    private static byte NearOne(Random random) => (byte)random.Next(112, 143);

    private static float[] Multiply(Mxfp4Reference weight, int expert, float[] x, int n, float[]? bias, bool accelerated, int threads = 1)
    {
        var y = new float[n * weight.Rows];
        var blockBytes = weight.Rows * weight.BlockCount * 16;
        var scaleBytes = weight.Rows * weight.BlockCount;
        fixed (byte* blocks = weight.Blocks, scales = weight.Scales)
        fixed (float* xp = x, yp = y, bp = bias)
        {
            Mxfp4Int8Matmul.Multiply(blocks + expert * blockBytes, scales + expert * scaleBytes, weight.Rows, weight.Columns, xp, n, bp, yp, threads, accelerated);
        }
        return y;
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Is_exact_when_every_activation_block_is_already_on_the_int8_grid(bool accelerated)
    {
        var random = new Random(5);
        foreach (var (rows, columns, n) in Shapes)
        {
            var weight = Mxfp4Reference.Random(random, experts: 2, rows, columns, NearOne);
            // Integers in [-127, 127] with ±127 in every block: the block scale is 1 and nothing is rounded.
            var x = new float[n * columns];
            for (var i = 0; i < x.Length; i++) x[i] = i % 32 == 5 ? (random.Next(2) == 0 ? 127 : -127) : random.Next(-127, 128);
            for (var expert = 0; expert < 2; expert++)
            {
                var (expected, magnitude) = weight.Multiply(expert, x, n, bias: null);
                var y = Multiply(weight, expert, x, n, bias: null, accelerated);
                Mxfp4Reference.AssertClose(expected, magnitude, y, $"accelerated={accelerated} rows={rows} columns={columns} n={n} expert={expert}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Stays_within_the_int8_rounding_bound_for_arbitrary_activations(bool accelerated)
    {
        var random = new Random(11);
        foreach (var (rows, columns, n) in Shapes)
        {
            var weight = Mxfp4Reference.Random(random, experts: 1, rows, columns, NearOne);
            var x = new float[n * columns];
            // Blocks of very different magnitude, so a scale applied to the wrong block shows.
            for (var i = 0; i < x.Length; i++) x[i] = (float)((random.NextDouble() * 2 - 1) * Math.Pow(10, (i / 32 % 5) - 2));
            var bias = Enumerable.Range(0, rows).Select(i => (float)Math.Cos(i)).ToArray();
            var (expected, magnitude) = weight.Multiply(0, x, n, bias);
            var y = Multiply(weight, 0, x, n, bias, accelerated);
            for (var t = 0; t < n; t++)
            {
                for (var r = 0; r < rows; r++)
                {
                    var bound = 0.0;
                    for (var g = 0; g < columns / 32; g++)
                    {
                        var amax = 0.0;
                        var weights = 0.0;
                        for (var c = g * 32; c < g * 32 + 32; c++)
                        {
                            amax = Math.Max(amax, Math.Abs(x[t * columns + c]));
                            weights += Math.Abs(weight.Weight(0, r, c));
                        }
                        bound += amax / 254 * weights;
                    }
                    var i = t * rows + r;
                    var allowed = bound * 1.0001 + 1e-5 * magnitude[i] + 1e-30;
                    var error = Math.Abs(y[i] - expected[i]);
                    Assert.True(error <= allowed, $"accelerated={accelerated} rows={rows} columns={columns} n={n}: element {i} is {y[i]:R}, expected {expected[i]:R} (error {error:E2} > allowed {allowed:E2}).");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Gives_the_same_result_when_rows_are_split_over_threads(bool accelerated)
    {
        var random = new Random(23);
        foreach (var (rows, n) in new[] { (301, 1), (160, 7) })
        {
            Assert.True(rows * 90L * n >= RowPartition.MinParallelWork);
            var weight = Mxfp4Reference.Random(random, experts: 1, rows, columns: 2880, NearOne);
            var x = new float[n * 2880];
            for (var i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 4 - 2);
            var alone = Multiply(weight, 0, x, n, bias: null, accelerated, threads: 1);
            var split = Multiply(weight, 0, x, n, bias: null, accelerated, threads: 2);
            Assert.Equal(alone, split);
            // And the first token's result does not depend on what else is multiplied with it (batch invariance).
            var first = Multiply(weight, 0, x[..2880], 1, bias: null, accelerated, threads: 2);
            Assert.Equal(alone[..rows], first);
        }
    }
}
