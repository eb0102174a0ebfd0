namespace GptOssWorkbench.Engine.Weights;

using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// Reference dequantization of MXFP4 expert weights (spec section 3): 4-bit E2M1 codes, two per byte with the
/// LOW nibble as the even element, 32 codes per block along the input axis sharing one E8M0 scale 2^(s-127).
/// Plain torch ops, meant as the slow, obviously-correct path that faster kernels are checked against.
/// </summary>
public static class Mxfp4
{
    /// <summary>FP4 E2M1 values by code 0..15: bit 3 is the sign, bits 0..2 index the magnitudes.</summary>
    public static readonly float[] CodeValues = [0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f, -0f, -0.5f, -1f, -1.5f, -2f, -3f, -4f, -6f];

    /// <summary>One expert's weight as float32 [out, in].</summary>
    public static Tensor Dequantize(Mxfp4Tensor weight, long expertIndex)
    {
        using var scope = NewDisposeScope();
        using var blocks = weight.Blocks[expertIndex];
        using var scales = weight.Scales[expertIndex];
        return DequantizeRows(blocks, scales).MoveToOuterDisposeScope();
    }

    /// <summary>Blocks [..., G, 16] U8 and scales [..., G] U8 to float32 [..., G*32].</summary>
    public static Tensor DequantizeRows(Tensor blocks, Tensor scales)
    {
        if (blocks.dtype != ScalarType.Byte || scales.dtype != ScalarType.Byte)
        {
            throw new ArgumentException($"MXFP4 blocks and scales must be uint8, got {blocks.dtype} and {scales.dtype}");
        }
        using var scope = NewDisposeScope();
        var low = blocks.bitwise_and(0x0F);
        var high = blocks.bitwise_right_shift(4);
        // [..., G, 16, 2] -> [..., G, 32]: element 2j is the low nibble of byte j, element 2j+1 the high one.
        var codes = stack([low, high], dim: -1).flatten(-2, -1).to_type(ScalarType.Int64);
        var table = tensor(CodeValues);
        var values = table.index_select(0, codes.flatten()).view(codes.shape);
        // The reference applies the scale with ldexp; code 255 has no NaN meaning.
        var exponents = (scales.to_type(ScalarType.Int32) - 127).unsqueeze(-1);
        var result = ldexp(values, exponents).flatten(-2, -1);
        return result.MoveToOuterDisposeScope();
    }
}
