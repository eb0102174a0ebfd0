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
    /// <returns>[n, out] = input · W_eᵀ without bias, in the input's dtype or fp32 (the MoE block continues in fp32).</returns>
    Tensor Multiply(Tensor input, Mxfp4Tensor weight, int expert);
}
