namespace GptOssWorkbench.Engine.Tests.Model;

using GptOssWorkbench.Engine.Model;
using static TorchSharp.torch;

public class YarnRopeTests
{
    // The published gpt-oss-20b rotary settings (spec section 1 and 5.2).
    private static readonly ModelConfig Real = RandomWeights.SmallConfig() with
    {
        HeadDim = 64,
        RopeTheta = 150000,
        RopeScalingFactor = 32,
        RopeBetaFast = 32,
        RopeBetaSlow = 1,
        InitialContextLength = 4096,
    };

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(8, 5.0813e-2)]
    [InlineData(9, 3.1706e-2)]
    [InlineData(13, 3.8604e-3)]
    [InlineData(17, 1.2932e-4)]
    [InlineData(31, 3.0235e-7)]
    public void Inverse_frequencies_match_the_spec_spot_values(int pair, double expected)
    {
        var inverse = YarnRope.ComputeInverseFrequencies(Real);
        Assert.Equal(32, inverse.Length);
        Assert.True(Math.Abs(inverse[pair] - expected) <= 1e-4 * expected, $"invfreq[{pair}] = {inverse[pair]:E5}, spec {expected:E4}");
    }

    [Fact]
    public void Concentration_is_one_tenth_log_factor_plus_one()
    {
        using var rope = new YarnRope(Real, CPU);
        Assert.Equal(1.3465735902799727, rope.Concentration, 6);
    }

    [Fact]
    public void Rotation_pairs_dimension_i_with_i_plus_half_and_scales_by_the_concentration()
    {
        using var rope = new YarnRope(Real, CPU);
        const int position = 1000, pair = 5;
        var unit = new float[64];
        unit[pair] = 1;
        using var x = tensor(unit, [1, 1, 64]);
        using var positions = tensor(new long[] { position });
        var (cos, sin) = rope.Tables(positions);
        using var _c = cos;
        using var _s = sin;
        using var rotated = YarnRope.Rotate(x, cos, sin);
        var result = rotated.data<float>().ToArray();

        // out[i] = a·C - b·S and out[i+32] = b·C + a·S with a = 1, b = 0; no other dimension moves.
        float angle = position * YarnRope.ComputeInverseFrequencies(Real)[pair];
        double m = 0.1 * Math.Log(32) + 1;
        Assert.Equal(m * Math.Cos(angle), result[pair], 5);
        Assert.Equal(m * Math.Sin(angle), result[pair + 32], 5);
        for (int i = 0; i < 64; i++)
        {
            if (i != pair && i != pair + 32) Assert.Equal(0f, result[i]);
        }
    }
}
