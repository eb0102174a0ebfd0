namespace GptOssWorkbench.Engine.Model;

using GptOssWorkbench.Engine.Kernels;
using GptOssWorkbench.Engine.Weights;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// The CPU bf16 default: the fused MXFP4 kernel for few token rows (decode, small batches: memory-bound, where
/// reading the packed weights once wins) and dequantize + libtorch GEMM for many rows (prefill: compute-bound,
/// where libtorch's bf16 GEMM is faster). Measured on a 20b-shape checkpoint, see docs/benchmarks.md.
/// </summary>
public sealed class AdaptiveExpertMatmul(int maxFusedRows = AdaptiveExpertMatmul.DefaultMaxFusedRows, bool int8Activations = false) : IExpertMatmul
{
    /// <summary>
    /// Opt-in: the MoE block's grouped kernel path quantizes the activation rows to int8 blocks and multiplies with
    /// integer dot products (<see cref="Kernels.Mxfp4Int8Matmul"/>). Off by default: on the small random test model
    /// it moves the logits 3.0 % of max|logit| from fp32 (the rule is 2 %; the bf16 tensor path: 1.3 %).
    /// </summary>
    public bool Int8Activations => int8Activations;

    /// <summary>
    /// The fused kernel multiplies in fp32 (no bf16 dot product in .NET), ~0.5 ms of CPU per token row of an expert;
    /// dequantizing into a buffer costs ~1.5 ms once and libtorch's bf16 GEMM ~0.16 ms per row. So beyond a few rows
    /// the GEMM wins; 8 keeps every decode step of up to 8 sequences on the grouped kernel path (a token picks an
    /// expert at most once).
    /// </summary>
    public const int DefaultMaxFusedRows = 8;

    private readonly FusedExpertMatmul fused = new();

    /// <summary>Experts with at most this many token rows in a step take the fused kernel.</summary>
    public int MaxFusedRows => maxFusedRows;
    private readonly DequantizingExpertMatmul dequantizing = new();

    /// <summary>Reused bf16 buffer for one dequantized expert: a fresh 33 MB tensor per expert costs page faults.</summary>
    private Tensor? scratch;

    public Tensor Multiply(Tensor input, Mxfp4Tensor weight, int expert)
    {
        if (input.shape[0] <= maxFusedRows) return fused.Multiply(input, weight, expert);
        if (input.dtype != ScalarType.BFloat16 || input.device_type != DeviceType.CPU) return dequantizing.Multiply(input, weight, expert);
        lock (fused)
        {
            long size = weight.Rows * weight.Columns;
            if (scratch is null || scratch.numel() < size)
            {
                scratch?.Dispose();
                scratch = empty([size], ScalarType.BFloat16).DetachFromDisposeScope();
            }
            Mxfp4Dequantize.ToBf16(weight, expert, scratch);
            using var dense = scratch.narrow(0, 0, size).view(weight.Rows, weight.Columns);
            return nn.functional.linear(input, dense);
        }
    }

    /// <summary>The engine's choice when none is configured: the adaptive kernel on a vector-capable CPU in bf16, else dequantize.</summary>
    public static IExpertMatmul DefaultFor(string device, ComputePrecision precision) =>
        precision == ComputePrecision.BFloat16 && device.StartsWith("cpu", StringComparison.OrdinalIgnoreCase) && KernelPaths.Best != KernelPath.Scalar
            ? new AdaptiveExpertMatmul()
            : new DequantizingExpertMatmul();
}
