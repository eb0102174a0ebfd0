namespace GptOssWorkbench.Engine.Weights;

using GptOssWorkbench.Engine.Model;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// The logical weights of a gpt-oss model, independent of the on-disk layout they came from.
/// Tensors keep their stored dtype (bf16, or f32 where a checkpoint stores it) and, where possible,
/// are views over memory-mapped files; converting to the compute dtype is the model's job.
/// Shapes use the notation of the spec: H hidden, V vocab, E experts, I intermediate, nq/nkv heads, d head dim.
/// </summary>
public sealed class ModelWeights(ModelConfig config, Tensor embedding, Tensor finalNorm, Tensor unembedding, IReadOnlyList<LayerWeights> layers, IDisposable? owner = null) : IDisposable
{
    public ModelConfig Config { get; } = config;

    /// <summary>[V, H]</summary>
    public Tensor Embedding { get; } = embedding;

    /// <summary>[H]</summary>
    public Tensor FinalNorm { get; } = finalNorm;

    /// <summary>[V, H], untied from the embedding, no bias.</summary>
    public Tensor Unembedding { get; } = unembedding;

    public IReadOnlyList<LayerWeights> Layers { get; } = layers;

    public void Dispose()
    {
        Embedding.Dispose();
        FinalNorm.Dispose();
        Unembedding.Dispose();
        foreach (var layer in Layers) layer.Dispose();
        owner?.Dispose();
    }
}

/// <summary>One transformer block. Q/K/V are separate even when the checkpoint fuses them (original layout).</summary>
public sealed class LayerWeights : IDisposable
{
    /// <summary>[H]</summary>
    public required Tensor AttentionNorm { get; init; }
    /// <summary>[nq·d, H] / [nq·d]</summary>
    public required Tensor QueryWeight { get; init; }
    public required Tensor QueryBias { get; init; }
    /// <summary>[nkv·d, H] / [nkv·d]</summary>
    public required Tensor KeyWeight { get; init; }
    public required Tensor KeyBias { get; init; }
    /// <summary>[nkv·d, H] / [nkv·d]</summary>
    public required Tensor ValueWeight { get; init; }
    public required Tensor ValueBias { get; init; }
    /// <summary>[H, nq·d] / [H]</summary>
    public required Tensor OutputWeight { get; init; }
    public required Tensor OutputBias { get; init; }
    /// <summary>[nq], one learned sink logit per query head.</summary>
    public required Tensor Sinks { get; init; }
    /// <summary>[H]</summary>
    public required Tensor MlpNorm { get; init; }
    /// <summary>[E, H] / [E]</summary>
    public required Tensor RouterWeight { get; init; }
    public required Tensor RouterBias { get; init; }
    public required ExpertWeights Experts { get; init; }

    public void Dispose()
    {
        foreach (var t in new[] { AttentionNorm, QueryWeight, QueryBias, KeyWeight, KeyBias, ValueWeight, ValueBias, OutputWeight, OutputBias, Sinks, MlpNorm, RouterWeight, RouterBias })
        {
            t.Dispose();
        }
        Experts.Dispose();
    }
}

/// <summary>
/// The experts of one layer, always in output-major orientation ([E, out, in]) whatever the layout:
/// layout D's input-major tensors are transposed by the loader. Exactly one of the two forms is set.
/// Projection 1 rows are interleaved: row 2k is gate unit k, row 2k+1 is up unit k (bias likewise).
/// </summary>
public sealed class ExpertWeights : IDisposable
{
    /// <summary>MXFP4 packed projection 1, or null when dense.</summary>
    public Mxfp4Tensor? GateUpPacked { get; init; }
    /// <summary>MXFP4 packed projection 2, or null when dense.</summary>
    public Mxfp4Tensor? DownPacked { get; init; }
    /// <summary>Dense projection 1 [E, 2I, H], or null when packed.</summary>
    public Tensor? GateUpDense { get; init; }
    /// <summary>Dense projection 2 [E, H, I], or null when packed.</summary>
    public Tensor? DownDense { get; init; }
    /// <summary>[E, 2I], interleaved like the rows of projection 1.</summary>
    public required Tensor GateUpBias { get; init; }
    /// <summary>[E, H]</summary>
    public required Tensor DownBias { get; init; }

    public bool IsPacked => GateUpPacked is not null;

    public void Dispose()
    {
        GateUpPacked?.Dispose();
        DownPacked?.Dispose();
        GateUpDense?.Dispose();
        DownDense?.Dispose();
        GateUpBias.Dispose();
        DownBias.Dispose();
    }
}

/// <summary>
/// An MXFP4 weight [E, out, in] kept packed: Blocks [E, out, in/32, 16] U8 (low nibble = even element),
/// Scales [E, out, in/32] U8 (block multiplier 2^(s-127)).
/// </summary>
public sealed class Mxfp4Tensor(Tensor blocks, Tensor scales) : IDisposable
{
    public Tensor Blocks { get; } = blocks;
    public Tensor Scales { get; } = scales;

    public long Experts => Blocks.shape[0];
    public long Rows => Blocks.shape[1];
    public long Columns => Blocks.shape[2] * 32;

    public void Dispose()
    {
        Blocks.Dispose();
        Scales.Dispose();
    }
}
