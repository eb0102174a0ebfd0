namespace GptOssWorkbench.Engine.DemoModel;

using GptOssWorkbench.Engine.Harmony;
using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Weights.Checkpoints;

/// <summary>gpt-oss-nano: the real gpt-oss architecture and RoPE/YaRN settings at a size CPU training can afford.</summary>
public static class DemoModelConfig
{
    public const string ModelName = "gpt-oss-nano";

    /// <summary>One line for model lists (e.g. the Models page).</summary>
    public const string Description =
        "Demo: a ~0.6M-parameter model with the exact gpt-oss architecture, trained by this project to solve arithmetic word problems with harmony reasoning (low/medium/high effort). Not a real gpt-oss model.";

    public static ModelConfig Nano { get; } = new()
    {
        NumLayers = 4,
        NumExperts = 8,
        ExpertsPerToken = 4,
        HiddenSize = 64,
        IntermediateSize = 64,
        HeadDim = 16,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        VocabSize = HarmonyTokens.VocabularySize,
        SlidingWindow = 128,
        SlidingLayers = ModelConfigReader.EvenLayersSliding(4),
        RopeTheta = 150000,
        RopeScalingFactor = 32,
        RopeBetaFast = 32,
        RopeBetaSlow = 1,
        InitialContextLength = 4096,
        MaxPositionEmbeddings = 131072,
        SwigluLimit = 7.0,
        EosTokenIds = ModelConfigReader.HarmonyEosTokenIds,
    };
}
