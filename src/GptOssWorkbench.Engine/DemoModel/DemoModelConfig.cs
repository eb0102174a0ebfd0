namespace GptOssWorkbench.Engine.DemoModel;

using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Weights.Synthetic;

/// <summary>gpt-oss-nano: the real gpt-oss architecture and RoPE/YaRN settings at a size CPU training can afford.</summary>
public static class DemoModelConfig
{
    public const string ModelName = "gpt-oss-nano";

    /// <summary>One line for model lists (e.g. the Models page).</summary>
    public const string Description =
        "Demo: a ~0.6M-parameter model with the exact gpt-oss architecture, trained by this project to solve arithmetic word problems with harmony reasoning (low/medium/high effort). Not a real gpt-oss model.";

    /// <summary>The real gpt-oss settings (vocabulary, window 128 on even layers, YaRN RoPE, swiglu limit, eos ids), shrunk.</summary>
    public static ModelConfig Nano { get; } = ModelPresets.RealShape(layers: 4, experts: 8) with
    {
        HiddenSize = 64,
        IntermediateSize = 64,
        HeadDim = 16,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
    };
}
