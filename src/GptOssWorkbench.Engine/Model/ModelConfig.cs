namespace GptOssWorkbench.Engine.Model;

/// <summary>
/// Every dimension and constant of a gpt-oss model, read from the checkpoint's config.json
/// (HF or OpenAI "original" flavour). Nothing about the 20b/120b sizes is hard-coded elsewhere.
/// </summary>
public sealed record ModelConfig
{
    public required int NumLayers { get; init; }
    public required int NumExperts { get; init; }
    public required int ExpertsPerToken { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int HeadDim { get; init; }
    public required int NumAttentionHeads { get; init; }
    public required int NumKeyValueHeads { get; init; }
    public required int VocabSize { get; init; }
    public required int SlidingWindow { get; init; }

    /// <summary>True for layers that attend only to the last <see cref="SlidingWindow"/> positions (even layers in gpt-oss).</summary>
    public required IReadOnlyList<bool> SlidingLayers { get; init; }

    public required double RopeTheta { get; init; }
    public required double RopeScalingFactor { get; init; }
    public required double RopeBetaFast { get; init; }
    public required double RopeBetaSlow { get; init; }

    /// <summary>YaRN's original context (HF original_max_position_embeddings, OpenAI initial_context_length).</summary>
    public required int InitialContextLength { get; init; }
    public required int MaxPositionEmbeddings { get; init; }

    public double RmsNormEps { get; init; } = 1e-5;
    public double SwigluLimit { get; init; } = 7.0;

    /// <summary>Gain inside the expert activation gate·σ(alpha·gate); 1.702 in every published model.</summary>
    public double SwigluAlpha { get; init; } = 1.702;

    /// <summary>Ids that end generation (generation_config eos ids, else config eos_token_id).</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    public int QueryWidth => NumAttentionHeads * HeadDim;
    public int KeyValueWidth => NumKeyValueHeads * HeadDim;
}
