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
    // FP4 E2M1 code → value: bit 3 is the sign, bits 0-2 index {0, 0.5, 1, 1.5, 2, 3, 4, 6}.
    private static readonly float[] CodeValues = [0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f, -0f, -0.5f, -1f, -1.5f, -2f, -3f, -4f, -6f];

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
        // The low nibble is the even element, the high nibble the odd one.
        var low = blocks.bitwise_and(0x0F);
        var high = blocks.bitwise_right_shift(4);
        var codes = stack([low, high], -1).reshape(blocks.shape[0], blocks.shape[1], 32).to(int64);
        var table = tensor(CodeValues, dtype: float32, device: blocks.device);
        var values = table.index_select(0, codes.flatten()).view(codes.shape);
        // Block multiplier 2^(s - 127), applied along the input axis (one scale per 32 inputs).
        var exponents = scales.to(int32).sub(127).unsqueeze(-1);
        var dense = ldexp(values, exponents).reshape(blocks.shape[0], blocks.shape[1] * 32).to(dtype);
        return dense.MoveToOuterDisposeScope();
    }
}
