namespace GptOssWorkbench.Pipeline.Engines;

/// <summary>How this process runs its engines (configuration section "Engine").</summary>
public sealed class EngineHostOptions
{
    public const string Section = "Engine";

    /// <summary>cpu, cuda or cuda:N.</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>bf16 (speed) or fp32 (reference).</summary>
    public string Dtype { get; set; } = "bf16";

    /// <summary>libtorch intra-op threads; 0 = 1 for tiny models, libtorch's default otherwise.</summary>
    public int Threads { get; set; }
}
