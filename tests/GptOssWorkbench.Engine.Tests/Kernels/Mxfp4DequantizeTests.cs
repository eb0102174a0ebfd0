namespace GptOssWorkbench.Engine.Tests.Kernels;

using GptOssWorkbench.Engine.Kernels;
using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Weights;
using static TorchSharp.torch;

public class Mxfp4DequantizeTests
{
    public Mxfp4DequantizeTests() => TorchRuntime.EnsureLoaded();

    private static Mxfp4Tensor ToTensor(Mxfp4Reference weight) => new(
        tensor(weight.Blocks, new long[] { weight.Experts, weight.Rows, weight.BlockCount, 16 }),
        tensor(weight.Scales, new long[] { weight.Experts, weight.Rows, weight.BlockCount }));

    [Theory]
    [MemberData(nameof(Mxfp4MatmulTests.Paths), MemberType = typeof(Mxfp4MatmulTests))]
    public void Every_element_equals_the_format_definition_including_extreme_scales(KernelPath path)
    {
        var random = new Random(3);
        // 2^-127 (an fp32/bf16 subnormal), 2^-126 and 2^73 next to ordinary scales; 301 rows split over threads.
        byte Scale(Random r) => r.Next(8) switch { 0 => 0, 1 => 1, 2 => 200, _ => (byte)r.Next(110, 141) };
        foreach (var (rows, columns) in new[] { (3, 32), (7, 96), (301, 2880) })
        {
            var weight = Mxfp4Reference.Random(random, experts: 2, rows, columns, Scale);
            using var packed = ToTensor(weight);
            using var destination = full(rows * columns + 5, float.NaN, ScalarType.BFloat16);

            Mxfp4Dequantize.ToBf16(packed, 1, destination, path, threads: 2);

            using var values = destination.to(ScalarType.Float32);
            var actual = values.data<float>().ToArray();
            for (int r = 0; r < rows; r++)
            {
                for (int c = 0; c < columns; c++)
                {
                    // Exact: FP4 values have 2 significant bits, so the product fits bf16's 8.
                    Assert.True(weight.Weight(1, r, c) == actual[r * columns + c], $"{path} [{rows}x{columns}] row {r} column {c}: {actual[r * columns + c]} vs {weight.Weight(1, r, c)}");
                }
            }
            Assert.True(float.IsNaN(actual[rows * columns]), "wrote past the expert");
        }
    }

    [Fact]
    public void Adaptive_matmul_above_the_fused_row_limit_equals_tensor_dequantize_then_linear()
    {
        var random = new Random(4);
        var weight = Mxfp4Reference.Random(random, experts: 3, rows: 40, columns: 64, r => (byte)r.Next(118, 134));
        using var packed = ToTensor(weight);
        using var input = randn(9, 64).to(ScalarType.BFloat16);
        var adaptive = new AdaptiveExpertMatmul(maxFusedRows: 4); // 9 rows: the dequantize + GEMM branch

        foreach (var expert in new[] { 2, 0 })
        {
            using var expected = new DequantizingExpertMatmul().Multiply(input, packed, expert);
            using var actual = adaptive.Multiply(input, packed, expert);
            Assert.Equal(expected.shape, actual.shape);
            Assert.True(expected.eq(actual).all().item<bool>(), $"expert {expert}: reused-buffer path differs from dequantize + linear");
        }
    }

    [Fact]
    public void Rejects_a_destination_that_is_too_small_or_not_bf16()
    {
        var weight = Mxfp4Reference.Random(new Random(5), experts: 1, rows: 4, columns: 32, r => 127);
        using var packed = ToTensor(weight);
        using var small = empty(100, ScalarType.BFloat16);
        using var single = empty(128, ScalarType.Float32);
        Assert.Contains("4 x 32", Assert.Throws<ArgumentException>(() => Mxfp4Dequantize.ToBf16(packed, 0, small)).Message);
        Assert.Contains("bfloat16", Assert.Throws<ArgumentException>(() => Mxfp4Dequantize.ToBf16(packed, 0, single)).Message);
    }
}
