namespace GptOssWorkbench.Engine.Tests.Kernels;

/// <summary>
/// A naive MXFP4 weight and the obvious way to use it: dequantize every element, then multiply in double.
/// Written from the format description (E2M1 bit fields, E8M0 scale), not from the kernel's tables.
/// </summary>
internal sealed class Mxfp4Reference
{
    public required int Experts { get; init; }
    public required int Rows { get; init; }
    public required int Columns { get; init; }
    /// <summary>[E, rows, columns/32, 16]</summary>
    public required byte[] Blocks { get; init; }
    /// <summary>[E, rows, columns/32]</summary>
    public required byte[] Scales { get; init; }

    public int BlockCount => Columns / 32;

    /// <summary>Random codes (every byte value) and scales; <paramref name="scale"/> draws one block's scale byte.</summary>
    public static Mxfp4Reference Random(Random random, int experts, int rows, int columns, Func<Random, byte> scale)
    {
        var blocks = new byte[experts * rows * columns / 2];
        random.NextBytes(blocks);
        var scales = new byte[experts * rows * columns / 32];
        for (var i = 0; i < scales.Length; i++) scales[i] = scale(random);
        return new Mxfp4Reference { Experts = experts, Rows = rows, Columns = columns, Blocks = blocks, Scales = scales };
    }

    /// <summary>E2M1: sign bit 3, exponent bits 2..1 (bias 1), mantissa bit 0; exponent 0 is subnormal (0 or 0.5).</summary>
    public static double DecodeE2M1(int code)
    {
        var sign = (code & 8) != 0 ? -1.0 : 1.0;
        var exponent = (code >> 1) & 3;
        var mantissa = code & 1;
        var magnitude = exponent == 0 ? mantissa * 0.5 : (1 + mantissa * 0.5) * Math.Pow(2, exponent - 1);
        return sign * magnitude;
    }

    public double Weight(int expert, int row, int column)
    {
        var block = column / 32;
        var within = column % 32;
        var packed = Blocks[((expert * Rows + row) * BlockCount + block) * 16 + within / 2];
        var code = within % 2 == 0 ? packed & 0x0F : packed >> 4;
        var scale = Scales[(expert * Rows + row) * BlockCount + block];
        return DecodeE2M1(code) * Math.Pow(2, scale - 127);
    }

    /// <summary>y[t, r] = Σ_c x[t, c]·W[r, c] + bias[r], and Σ_c |x[t, c]·W[r, c]| + |bias[r]| as the error scale.</summary>
    public (double[] Y, double[] Magnitude) Multiply(int expert, float[] x, int n, float[]? bias)
    {
        var dense = new double[Rows * Columns];
        for (var r = 0; r < Rows; r++)
        {
            for (var c = 0; c < Columns; c++) dense[r * Columns + c] = Weight(expert, r, c);
        }
        var y = new double[n * Rows];
        var magnitude = new double[n * Rows];
        for (var t = 0; t < n; t++)
        {
            for (var r = 0; r < Rows; r++)
            {
                double sum = bias?[r] ?? 0, abs = Math.Abs(bias?[r] ?? 0);
                for (var c = 0; c < Columns; c++)
                {
                    var product = x[t * Columns + c] * dense[r * Columns + c];
                    sum += product;
                    abs += Math.Abs(product);
                }
                y[t * Rows + r] = sum;
                magnitude[t * Rows + r] = abs;
            }
        }
        return (y, magnitude);
    }

    /// <summary>
    /// Asserts every output within a relative 1e-5 of the error scale Σ|x·w| + |bias|: fp32 sums of thousands
    /// of terms cannot promise more relative to a result that cancels, and a wrong element breaks this by far.
    /// </summary>
    public static void AssertClose(double[] expected, double[] magnitude, ReadOnlySpan<float> actual, string context)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var allowed = 1e-5 * magnitude[i] + 1e-43;
            var error = Math.Abs(actual[i] - expected[i]);
            Assert.True(error <= allowed,
                $"{context}: element {i} is {actual[i]:R}, expected {expected[i]:R} (error {error:E2} > allowed {allowed:E2}).");
        }
    }
}
