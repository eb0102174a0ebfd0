namespace GptOssWorkbench.Engine.Model;

/// <summary>How the engine runs a model: where, with how many CPU threads, and in which precision.</summary>
public sealed record EngineOptions
{
    /// <summary>"cpu" or "cuda" (or "cuda:N").</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Intra-op CPU threads for libtorch; 0 keeps libtorch's default.</summary>
    public int Threads { get; init; }

    public ComputePrecision Dtype { get; init; } = ComputePrecision.BFloat16;

    /// <summary>
    /// Multiplies token rows by one packed MXFP4 expert. Null picks <see cref="AdaptiveExpertMatmul.DefaultFor"/> (fused kernel for few rows on a CPU in bf16, else <see cref="DequantizingExpertMatmul"/>)
    /// (dequantize with tensor ops, then matmul); a fused CPU kernel plugs in here.
    /// </summary>
    public IExpertMatmul? ExpertMatmul { get; init; }

    /// <summary>
    /// In bf16 on a CPU, dense projections (attention, unembedding) of steps with at most this many token rows run
    /// on the streaming <see cref="Kernels.Bf16Matmul"/> kernel instead of libtorch; 0 = always libtorch.
    /// </summary>
    public int DenseKernelMaxRows { get; init; } = DefaultDenseKernelMaxRows;

    /// <summary>
    /// Measured per call on the 20b q/k/v weight (1 thread, CPU time): the kernel wins at 1 row (0.8 vs 1.5 ms) and
    /// 2 rows (1.5 vs 1.8 ms); from 4 rows libtorch's bf16 GEMM (AVX-512 BF16 dot products) is faster (1.8 vs 3.2 ms).
    /// </summary>
    public const int DefaultDenseKernelMaxRows = 2;

    public static ComputePrecision ParsePrecision(string text) => text.Trim().ToLowerInvariant() switch
    {
        "fp32" or "f32" or "float32" => ComputePrecision.Float32,
        "bf16" or "bfloat16" => ComputePrecision.BFloat16,
        _ => throw new ArgumentException($"Unknown dtype '{text}': use fp32 or bf16."),
    };
}

public enum ComputePrecision
{
    /// <summary>Reference mode: every weight converted to fp32, experts dequantized exactly.</summary>
    Float32,

    /// <summary>Speed mode: bf16 weights and matmuls; norms, softmax, router, residual and logits in fp32.</summary>
    BFloat16,
}
