namespace GptOssWorkbench.Engine.Model;

using GptOssWorkbench.Engine.Kernels;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// One dense projection y = x·Wᵀ + b. In bf16 on a vector-capable CPU, a step with few rows (decode) runs on
/// <see cref="Bf16Matmul"/>, which streams the weight once at close to memory bandwidth; libtorch's bf16
/// linear at batch 1 reads it at a fraction of that here (measured 2.5-9 GB/s against a 20-40 GB/s probe).
/// Many rows (prefill) are compute-bound and go to libtorch's GEMM. Both paths round input and output to the
/// weight's dtype and return fp32.
/// </summary>
internal sealed class DenseLinear : IDisposable
{
    private readonly Tensor weight; // compute dtype [out, in], contiguous
    private readonly Tensor? bias; // compute dtype [out]
    private readonly Tensor? kernelBias; // fp32 [out], for the kernel
    private readonly int maxKernelRows;
    private readonly int threads;

    /// <param name="maxKernelRows">Largest row count run on the kernel; 0 = always libtorch.</param>
    public DenseLinear(Tensor weight, Tensor? bias, int maxKernelRows, int threads)
    {
        this.bias = bias;
        this.threads = threads;
        bool kernelFits = weight.dtype == ScalarType.BFloat16 && weight.device_type == DeviceType.CPU && weight.shape[1] % 32 == 0
            && KernelPaths.Best != KernelPath.Scalar && weight.numel() * 2 <= int.MaxValue;
        this.maxKernelRows = kernelFits ? maxKernelRows : 0;
        if (this.maxKernelRows > 0 && bias is not null) kernelBias = bias.to(float32).DetachFromDisposeScope();
        // contiguous() hands out a new handle (sharing storage when already contiguous); we own both. Ours must
        // outlive any dispose scope the caller builds us in.
        this.weight = weight.contiguous().DetachFromDisposeScope();
        weight.Dispose();
    }

    public long OutFeatures => weight.shape[0];

    /// <summary>x: [n, in], fp32 or the compute dtype. Returns [n, out] fp32.</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        if (x.shape[0] <= maxKernelRows)
        {
            // Same roundings as libtorch's bf16 linear (input and output in bf16), so a sequence gets the same
            // logits up to summation order whether its step has 1 row (kernel) or many (libtorch): seeded sampling
            // must not depend on what else shares the step.
            using var output = Bf16Matmul.Multiply(weight, x.to(weight.dtype), kernelBias, threads: threads);
            return output.to(weight.dtype).to(float32).MoveToOuterDisposeScope();
        }
        return nn.functional.linear(x.to(weight.dtype), weight, bias).to(float32).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        weight.Dispose();
        bias?.Dispose();
        kernelBias?.Dispose();
    }
}
