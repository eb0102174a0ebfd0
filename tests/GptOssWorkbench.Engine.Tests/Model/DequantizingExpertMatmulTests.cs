namespace GptOssWorkbench.Engine.Tests.Model;

using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Weights;
using static TorchSharp.torch;

public class DequantizingExpertMatmulTests
{
    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16)]
    public void Dequantizes_every_byte_and_scale_exactly_in_the_compute_dtype(ScalarType dtype)
    {
        // Two experts, 16 rows of 32 columns: every byte value 0..255 appears once per expert, scales 100..147.
        var blocks = Enumerable.Range(0, 2 * 16 * 16).Select(i => (byte)((i * 7 + i / 256) % 256)).ToArray();
        var scales = Enumerable.Range(0, 2 * 16).Select(i => (byte)(100 + (i * 3) % 48)).ToArray();
        using var packed = new Mxfp4Tensor(tensor(blocks, [2, 16, 1, 16], uint8), tensor(scales, [2, 16, 1], uint8));
        var expected = Mxfp4Codes.Dequantize(blocks, scales, 2, 16, 32);
        for (int e = 0; e < 2; e++)
        {
            using var dense = DequantizingExpertMatmul.DequantizeExpert(packed, e, dtype);
            Assert.Equal(dtype, dense.dtype);
            var actual = dense.to(float32).data<float>().ToArray();
            for (int r = 0; r < 16; r++)
            {
                for (int c = 0; c < 32; c++) Assert.Equal(expected[e][r][c], actual[r * 32 + c]);
            }
        }
    }

    [Fact]
    public void Multiply_applies_the_chosen_expert_output_major()
    {
        var blocks = Enumerable.Range(0, 3 * 2 * 2 * 16).Select(i => (byte)(i * 37 % 256)).ToArray();
        var scales = Enumerable.Range(0, 3 * 2 * 2).Select(i => (byte)(125 + i % 4)).ToArray();
        using var packed = new Mxfp4Tensor(tensor(blocks, [3, 2, 2, 16], uint8), tensor(scales, [3, 2, 2], uint8));
        var w = Mxfp4Codes.Dequantize(blocks, scales, 3, 2, 64)[1]; // expert 1: 2 outputs × 64 inputs
        var x = Enumerable.Range(0, 64).Select(i => (float)Math.Sin(i)).ToArray();
        using var input = tensor(x, [1, 64]);
        using var result = new DequantizingExpertMatmul().Multiply(input, packed, expert: 1);
        var y = result.data<float>().ToArray();
        for (int o = 0; o < 2; o++) Assert.Equal(Enumerable.Range(0, 64).Sum(i => w[o][i] * x[i]), y[o], 4);
    }
}
