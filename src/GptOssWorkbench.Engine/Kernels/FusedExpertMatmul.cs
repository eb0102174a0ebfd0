namespace GptOssWorkbench.Engine.Kernels;

using GptOssWorkbench.Engine.Weights;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// The MoE block's expert product on the fused MXFP4 kernel, with the call shape of the model's expert
/// seam (IExpertMatmul on the model branch): [n, in] rows in, [n, out] = input · W_eᵀ out in the input's
/// dtype, no bias. The kernel accumulates in fp32 whatever the input dtype; only the result is rounded.
/// </summary>
public sealed class FusedExpertMatmul(KernelPath path = KernelPath.Auto, int threads = 0) : GptOssWorkbench.Engine.Model.IExpertMatmul
{
    public KernelPath Path => path;

    public int Threads => threads;

    public Tensor Multiply(Tensor input, Mxfp4Tensor weight, int expert)
    {
        var result = Mxfp4Matmul.Multiply(weight, expert, input, bias: null, path, threads);
        if (input.dtype == ScalarType.Float32) return result;
        using (result)
        {
            return result.to_type(input.dtype);
        }
    }
}
