namespace GptOssWorkbench.Engine.Weights.Synthetic;

using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Weights.Checkpoints;

/// <summary>Model shapes for synthetic checkpoints: a tiny one for tests and the real 20b/120b dimensions.</summary>
public static class ModelPresets
{
    public static IReadOnlyList<string> Names { get; } = ["tiny", "20b-shape", "120b-shape"];

    /// <summary>The preset's config; <paramref name="layers"/> overrides the depth (the sliding pattern follows).</summary>
    public static ModelConfig Get(string name, int? layers = null)
    {
        var config = name switch
        {
            "tiny" => Tiny,
            "20b-shape" => RealShape(layers: 24, experts: 32),
            "120b-shape" => RealShape(layers: 36, experts: 128),
            _ => throw new ArgumentException($"Unknown preset '{name}'; expected one of: {string.Join(", ", Names)}"),
        };
        if (layers is { } depth)
        {
            if (depth < 1) throw new ArgumentException($"--layers must be at least 1, got {depth}");
            config = config with { NumLayers = depth, SlidingLayers = ModelConfigReader.EvenLayersSliding(depth) };
        }
        return config;
    }

    /// <summary>
    /// Small enough for unit tests, with the real vocabulary (harmony token ids must stay valid; the embedding is
    /// then 25.7 MB). I differs from H so a missing layout-D transpose cannot pass shape checks, and the window of 8
    /// is short enough for tests to cross it.
    /// </summary>
    private static ModelConfig Tiny => RealShape(layers: 4, experts: 8) with
    {
        HiddenSize = 64,
        IntermediateSize = 32,
        HeadDim = 16,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        SlidingWindow = 8,
    };

    /// <summary>The published gpt-oss settings (vocabulary, window, YaRN RoPE, eos ids) with the given number of layers and experts.</summary>
    public static ModelConfig RealShape(int layers, int experts) => new()
    {
        NumLayers = layers,
        NumExperts = experts,
        ExpertsPerToken = 4,
        HiddenSize = 2880,
        IntermediateSize = 2880,
        HeadDim = 64,
        NumAttentionHeads = 64,
        NumKeyValueHeads = 8,
        VocabSize = 201088,
        SlidingWindow = 128,
        SlidingLayers = ModelConfigReader.EvenLayersSliding(layers),
        RopeTheta = 150000,
        RopeScalingFactor = 32,
        RopeBetaFast = 32,
        RopeBetaSlow = 1,
        InitialContextLength = 4096,
        MaxPositionEmbeddings = 131072,
        EosTokenIds = ModelConfigReader.HarmonyEosTokenIds,
    };
}
