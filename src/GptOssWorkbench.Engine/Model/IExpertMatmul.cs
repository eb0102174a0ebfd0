namespace GptOssWorkbench.Engine.Model;

using GptOssWorkbench.Engine.Weights;
using static TorchSharp.torch;

/// <summary>
/// The seam between the MoE block and the MXFP4 math: multiply the token rows routed to one expert by that
/// expert's packed weight. Today <see cref="DequantizingExpertMatmul"/>; a fused dequantize-in-matmul CPU
/// kernel implements the same call.
/// </summary>
public interface IExpertMatmul
{
    /// <param name="input">[n, in] token rows in the compute dtype.</param>
    /// <param name="weight">Packed weights [E, out, in] of one projection.</param>
    /// <param name="expert">Which expert of <paramref name="weight"/>.</param>
    /// <returns>[n, out] = input · W_eᵀ in the input's dtype, without bias.</returns>
    Tensor Multiply(Tensor input, Mxfp4Tensor weight, int expert);
}
