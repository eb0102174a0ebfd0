namespace GptOssWorkbench.Engine.Tests.Weights;

using GptOssWorkbench.Engine.Weights;
using TorchSharp;
using static TorchSharp.torch;

public class Mxfp4Tests
{
    public Mxfp4Tests() => TorchRuntime.EnsureLoaded();

    [Fact]
    public void Known_codes_dequantize_to_hand_computed_values()
    {
        // One expert, one row, one block of 16 bytes.
        var bytes = new byte[16];
        bytes[0] = 0x21;   // low nibble 1 (+0.5) is element 0, high nibble 2 (+1.0) is element 1
        bytes[1] = 0xF8;   // low 8 (-0) is element 2, high 15 (-6) is element 3
        bytes[2] = 0x7E;   // low 14 (-4) is element 4, high 7 (+6) is element 5
        bytes[15] = 0x3B;  // low 11 (-1.5) is element 30, high 3 (+1.5) is element 31
        using var blocks = tensor(bytes, new long[] { 1, 1, 1, 16 });
        using var scales = tensor(new byte[] { 128 }, new long[] { 1, 1, 1 }); // 2^(128-127) = 2
        using var weight = new Mxfp4Tensor(blocks.alias(), scales.alias());

        using var w = Mxfp4.Dequantize(weight, 0);

        Assert.Equal(new long[] { 1, 32 }, w.shape);
        Assert.Equal(ScalarType.Float32, w.dtype);
        var v = w.data<float>().ToArray();
        Assert.Equal(1f, v[0]);
        Assert.Equal(2f, v[1]);
        Assert.Equal(0f, v[2]);
        Assert.True(float.IsNegative(v[2]), "code 8 is -0");
        Assert.Equal(-12f, v[3]);
        Assert.Equal(-8f, v[4]);
        Assert.Equal(12f, v[5]);
        Assert.Equal(-3f, v[30]);
        Assert.Equal(3f, v[31]);
        Assert.All(v[6..30], x => Assert.Equal(0f, x));
    }

    /// <summary>Scalar reference written straight from the spec's formula, independent of the torch implementation.</summary>
    private static float Reference(byte[] blocks, byte[] scales, int experts, int rows, int groups, int e, int r, int column)
    {
        float[] table = [0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f, -0f, -0.5f, -1f, -1.5f, -2f, -3f, -4f, -6f];
        var g = column / 32;
        var j = column % 32 / 2;
        var b = blocks[(((e * rows) + r) * groups + g) * 16 + j];
        var code = column % 2 == 0 ? b & 0x0F : b >> 4;
        return table[code] * MathF.Pow(2, scales[((e * rows) + r) * groups + g] - 127);
    }

    [Fact]
    public void Every_code_and_scale_matches_the_scalar_reference()
    {
        const int experts = 3, rows = 5, groups = 2;
        var random = new Random(1234);
        var blockBytes = new byte[experts * rows * groups * 16];
        random.NextBytes(blockBytes);
        // Scales covering tiny, unit and large multipliers, including 0 and 255 (no NaN meaning).
        var scaleBytes = Enumerable.Range(0, experts * rows * groups).Select(i => (byte)new[] { 0, 100, 120, 127, 128, 140, 254, 255 }[i % 8]).ToArray();
        using var blocks = tensor(blockBytes, new long[] { experts, rows, groups, 16 });
        using var scales = tensor(scaleBytes, new long[] { experts, rows, groups });
        using var weight = new Mxfp4Tensor(blocks.alias(), scales.alias());

        for (var e = 0; e < experts; e++)
        {
            using var w = Mxfp4.Dequantize(weight, e);
            Assert.Equal(new long[] { rows, groups * 32 }, w.shape);
            var values = w.data<float>().ToArray();
            for (var r = 0; r < rows; r++)
            {
                for (var c = 0; c < groups * 32; c++)
                {
                    Assert.Equal(Reference(blockBytes, scaleBytes, experts, rows, groups, e, r, c), values[r * groups * 32 + c]);
                }
            }
        }
    }
}
