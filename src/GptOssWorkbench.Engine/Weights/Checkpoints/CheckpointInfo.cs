namespace GptOssWorkbench.Engine.Weights.Checkpoints;

using GptOssWorkbench.Engine.Model;

public sealed record CheckpointFileInfo(string Name, long Bytes, int TensorCount);

/// <summary>
/// What a checkpoint folder holds, learned from its config and safetensors headers only (no tensor data read).
/// </summary>
public sealed record CheckpointInfo
{
    /// <summary>The folder the user named.</summary>
    public required string Directory { get; init; }
    /// <summary>The folder the files were read from: <see cref="Directory"/> or its original/ subfolder.</summary>
    public required string Root { get; init; }
    public required CheckpointLayout Layout { get; init; }
    public required ModelConfig Config { get; init; }
    public required IReadOnlyList<CheckpointFileInfo> Files { get; init; }
    public required int TensorCount { get; init; }
    /// <summary>Tensor data bytes per safetensors dtype string (e.g. "BF16", "U8").</summary>
    public required IReadOnlyDictionary<string, long> BytesByDType { get; init; }
    /// <summary>
    /// Hex SHA-256 over the config files' bytes, the index file's bytes, and for every safetensors file (sorted by
    /// name) its name, its length and its raw header. Fast (no tensor data is hashed): it identifies a checkpoint
    /// and catches swapped or re-shaped files, but not bit flips inside tensor data of unchanged size.
    /// </summary>
    public required string Fingerprint { get; init; }

    /// <summary>Bytes of all tensor data as stored; with packed experts this is what stays resident.</summary>
    public long WeightBytes => BytesByDType.Values.Sum();

    /// <summary>KV cache bytes that grow with each cached token (bf16 K and V of every full-attention layer).</summary>
    public long KvBytesPerToken(int bytesPerValue = 2) =>
        (long)Config.SlidingLayers.Count(s => !s) * 2 * Config.KeyValueWidth * bytesPerValue;

    /// <summary>Fixed KV bytes per sequence for the sliding layers' ring buffers of <see cref="ModelConfig.SlidingWindow"/> slots.</summary>
    public long SlidingKvBytesPerSequence(int bytesPerValue = 2) =>
        (long)Config.SlidingLayers.Count(s => s) * Config.SlidingWindow * 2 * Config.KeyValueWidth * bytesPerValue;

    /// <summary>
    /// Parameters from the config (weights and biases; attention sinks are one per head). Counted rather than
    /// read from byte sizes because MXFP4 packs two weights per byte plus a scale per 32.
    /// </summary>
    public long ParameterCount()
    {
        var c = Config;
        long h = c.HiddenSize, q = c.QueryWidth, kv = c.KeyValueWidth, i = c.IntermediateSize, e = c.NumExperts;
        var attention = h * (q + 2 * kv) + (q + 2 * kv) + q * h + h + c.NumAttentionHeads;
        var router = h * e + e;
        var experts = e * (h * 2 * i + 2 * i + i * h + h);
        var norms = 2 * h;
        return c.NumLayers * (attention + router + experts + norms) + 2 * (long)c.VocabSize * h + h;
    }
}

/// <summary>The logical weights together with what was learned about the checkpoint. Disposing frees both.</summary>
public sealed class LoadedCheckpoint(CheckpointInfo info, ModelWeights weights) : IDisposable
{
    public CheckpointInfo Info { get; } = info;
    public ModelWeights Weights { get; } = weights;

    public void Dispose() => Weights.Dispose();
}
