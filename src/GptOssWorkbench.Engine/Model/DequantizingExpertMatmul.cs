namespace GptOssWorkbench.Engine.Model;

using GptOssWorkbench.Engine.Weights;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// Expands one expert's MXFP4 weight to the input dtype with tensor ops, then multiplies. Exact (every
/// MXFP4 value is representable in bf16 and fp32) but reads and writes the whole expert every step;
/// a fused kernel is the fast path.
/// </summary>
public sealed class DequantizingExpertMatmul : IExpertMatmul
{
    // Byte → its two FP4 elements (low nibble first = even element), so one gather decodes a whole byte.
    private static readonly float[] BytePairs = Enumerable.Range(0, 256).SelectMany(b => new[] { Mxfp4.CodeValues[b & 0x0F], Mxfp4.CodeValues[b >> 4] }).ToArray();

    public Tensor Multiply(Tensor input, Mxfp4Tensor weight, int expert)
    {
        using var scope = NewDisposeScope();
        var dense = DequantizeExpert(weight, expert, input.dtype);
        return nn.functional.linear(input, dense).MoveToOuterDisposeScope();
    }

    /// <summary>Expert <paramref name="expert"/> of a packed weight as a dense [out, in] tensor.</summary>
    public static Tensor DequantizeExpert(Mxfp4Tensor weight, int expert, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var blocks = weight.Blocks[expert]; // [out, in/32, 16] bytes
        var scales = weight.Scales[expert]; // [out, in/32]
        long rows = blocks.shape[0], groups = blocks.shape[1];
        var pairs = tensor(BytePairs, [256, 2], dtype, blocks.device);
        var values = pairs.index_select(0, blocks.reshape(-1).to(int32)).view(rows, groups, 32);
        // Block multiplier 2^(s - 127) along the input axis (one scale per 32 inputs). Powers of two and
        // FP4 values multiply exactly in bf16 and fp32, so dequantizing in the compute dtype is lossless.
        var two = tensor(2.0f, float32, blocks.device); // the scope keeps it alive; the scalar outlives the call (see KeptScalars)
        using var exponentBias = 127.ToScalar();
        var multipliers = pow(two, scales.to(float32).sub_(exponentBias)).to(dtype).unsqueeze(-1);
        return values.mul_(multipliers).view(rows, groups * 32).MoveToOuterDisposeScope();
    }
}
