namespace GptOssWorkbench.Engine.Tests.Kernels;

using GptOssWorkbench.Engine.Kernels;
using TorchSharp;
using static TorchSharp.torch;

public class Bf16MatmulTests
{
    public Bf16MatmulTests() => TorchRuntime.EnsureLoaded();

    public static TheoryData<KernelPath> Paths() => Mxfp4MatmulTests.Paths();

    /// <summary>Random bf16 values spanning many binades (and both signs), as raw bits plus their exact values.</summary>
    private static (ushort[] Bits, double[] Values) RandomBf16(Random random, int count)
    {
        var bits = new ushort[count];
        var values = new double[count];
        for (var i = 0; i < count; i++)
        {
            var value = (float)((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-20, 20)));
            bits[i] = (ushort)(BitConverter.SingleToInt32Bits(value) >> 16);
            // Independent decoding: sign, 8-bit exponent, 7-bit mantissa.
            var sign = (bits[i] & 0x8000) != 0 ? -1.0 : 1.0;
            var exponent = (bits[i] >> 7) & 0xFF;
            var mantissa = bits[i] & 0x7F;
            values[i] = exponent == 0 ? sign * mantissa / 128.0 * Math.Pow(2, -126) : sign * (1 + mantissa / 128.0) * Math.Pow(2, exponent - 127);
        }
        return (bits, values);
    }

    private static Tensor Bf16Tensor(ushort[] bits, long rows, long columns)
    {
        // Raw 16-bit patterns written as bytes: no value conversion involved.
        var result = empty(new long[] { rows, columns }, ScalarType.BFloat16);
        result.bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(bits.AsSpan());
        return result;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Matches_a_double_precision_reference_with_bias(KernelPath path)
    {
        var random = new Random(11);
        foreach (var (rows, columns, n) in new[] { (9, 32, 1), (20, 96, 3), (6, 64, 5), (3, 2880, 8), (5, 2880, 2), (70, 4096, 1), (200, 2880, 1), (40, 2880, 6) })
        {
            var (bits, weights) = RandomBf16(random, rows * columns);
            using var weight = Bf16Tensor(bits, rows, columns);
            var x = new float[n * columns];
            for (var i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
            var bias = new float[rows];
            for (var i = 0; i < rows; i++) bias[i] = (float)(random.NextDouble() * 10 - 5);

            var expected = new double[n * rows];
            var magnitude = new double[n * rows];
            for (var t = 0; t < n; t++)
            {
                for (var r = 0; r < rows; r++)
                {
                    double sum = bias[r], abs = Math.Abs(bias[r]);
                    for (var c = 0; c < columns; c++)
                    {
                        var product = weights[r * columns + c] * x[t * columns + c];
                        sum += product;
                        abs += Math.Abs(product);
                    }
                    expected[t * rows + r] = sum;
                    magnitude[t * rows + r] = abs;
                }
            }

            using var xTensor = tensor(x, new long[] { n, columns });
            using var biasTensor = tensor(bias);
            // The last two shapes pass RowPartition.MinParallelWork, so their rows are split over two threads.
            using var y = Bf16Matmul.Multiply(weight, xTensor, biasTensor, path, threads: 2);
            Assert.Equal(new long[] { n, rows }, y.shape);
            Mxfp4Reference.AssertClose(expected, magnitude, y.data<float>().ToArray(), $"{path} rows={rows} columns={columns} n={n}");
        }
    }

    [Fact]
    public void Agrees_with_libtorch_linear_on_a_bf16_vector()
    {
        var random = new Random(4);
        using var weight = randn(33, 2880).to_type(ScalarType.BFloat16);
        using var bias = randn(33).to_type(ScalarType.BFloat16);
        using var x = randn(2880).to_type(ScalarType.BFloat16);
        // libtorch in fp32 on the same bf16 values; a bf16 result would be too coarse to compare with.
        using var weight32 = weight.to_type(ScalarType.Float32);
        using var x32 = x.to_type(ScalarType.Float32);
        using var bias32 = bias.to_type(ScalarType.Float32);
        using var expected = nn.functional.linear(x32.unsqueeze(0), weight32, bias32).squeeze(0);
        using var magnitude = (x32.abs().unsqueeze(0) * weight32.abs()).sum(1) + bias32.abs();

        using var y = Bf16Matmul.Multiply(weight, x, bias);
        Assert.Equal(new long[] { 33 }, y.shape);
        Mxfp4Reference.AssertClose(expected.data<float>().ToArray().Select(v => (double)v).ToArray(),
            magnitude.data<float>().ToArray().Select(v => (double)v).ToArray(), y.data<float>().ToArray(), "bf16 x, bf16 bias");
    }

    [Fact]
    public void Rejects_bad_input_with_a_message_naming_the_problem()
    {
        using var weight = zeros(new long[] { 4, 64 }, ScalarType.BFloat16);
        using var x = zeros(64);
        using var floatWeight = zeros(4, 64);
        Assert.Contains("2-D bfloat16", Assert.Throws<ArgumentException>(() => Bf16Matmul.Multiply(floatWeight, x)).Message);
        using var wrongWidth = zeros(2, 32);
        Assert.Contains("expected [n, 64]", Assert.Throws<ArgumentException>(() => Bf16Matmul.Multiply(weight, wrongWidth)).Message);
        using var wrongBias = zeros(5);
        Assert.Contains("bias has shape [5]", Assert.Throws<ArgumentException>(() => Bf16Matmul.Multiply(weight, x, wrongBias)).Message);
        using var transposed = zeros(new long[] { 64, 4 }, ScalarType.BFloat16).t();
        Assert.Contains("weight must be contiguous", Assert.Throws<ArgumentException>(() => Bf16Matmul.Multiply(transposed, x)).Message);
        using var narrow = zeros(new long[] { 4, 48 }, ScalarType.BFloat16);
        using var x48 = zeros(48);
        Assert.Contains("multiple of 32", Assert.Throws<ArgumentOutOfRangeException>(() => Bf16Matmul.Multiply(narrow, x48)).Message);
    }
}
