namespace GptOssWorkbench.Engine.DemoModel;

using GptOssWorkbench.Engine.Weights;
using static TorchSharp.torch;

/// <summary>
/// Quantizes fp32 weights [..., in] to MXFP4 (spec section 3): per block of 32 inputs the smallest power-of-two
/// scale that fits the block's largest magnitude into FP4's ±6, then each weight rounded to the nearest FP4 value
/// (ties to the lower magnitude). Low nibble = even element, as the loader expects.
/// </summary>
public static class Mxfp4Quantizer
{
    // Codes 0-7 are the non-negative FP4 values in increasing order; code + 8 is the same value negated.
    private static readonly float[] Magnitudes = Mxfp4.CodeValues[..8];

    /// <summary>Blocks [..., in/32, 16] U8 and scales [..., in/32] U8.</summary>
    public static (Tensor Blocks, Tensor Scales) Quantize(Tensor weight)
    {
        using var scope = NewDisposeScope();
        long columns = weight.shape[^1];
        if (columns % 32 != 0) throw new ArgumentException($"MXFP4 needs the input dimension to be a multiple of 32, got {columns}");
        var outer = weight.shape[..^1];
        var w = weight.detach().to(float32).reshape(-1, columns / 32, 32);
        var max = w.abs().amax([2L]);
        // Smallest exponent e with max / 2^e ≤ 6; an all-zero block gets the smallest scale.
        var exponent = (max / 6.0).clamp_min(1e-30).log2().ceil().clamp(-127, 127);
        var scaled = w / exp2(exponent).unsqueeze(2);
        var magnitude = scaled.abs();
        var table = tensor(Magnitudes);
        var nearest = (magnitude.unsqueeze(3) - table).abs().argmin(3); // first minimum = lower magnitude on ties
        var codes = nearest + scaled.lt(0).to(int64) * 8;
        var pairs = codes.view(codes.shape[0], codes.shape[1], 16, 2);
        var bytes = (pairs.select(3, 0) + pairs.select(3, 1) * 16).to(ScalarType.Byte);
        var scales = (exponent + 127).to(ScalarType.Byte);
        long[] blockShape = [.. outer, columns / 32, 16];
        long[] scaleShape = [.. outer, columns / 32];
        return (bytes.reshape(blockShape).MoveToOuterDisposeScope(), scales.reshape(scaleShape).MoveToOuterDisposeScope());
    }

    /// <summary>The fp32 values the engine will see after quantizing <paramref name="weight"/>.</summary>
    public static Tensor RoundTrip(Tensor weight)
    {
        using var scope = NewDisposeScope();
        var (blocks, scales) = Quantize(weight);
        return Mxfp4.DequantizeRows(blocks, scales).reshape(weight.shape).MoveToOuterDisposeScope();
    }
}
