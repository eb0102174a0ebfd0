namespace GptOssWorkbench.Engine.Serving;

/// <summary>How the engine batches: KV memory, block size, and how much work one step may take.</summary>
public sealed record ServingOptions
{
    /// <summary>Bytes of KV cache allocated once at start (the model's weights come on top).</summary>
    public long KvCacheBytes { get; init; } = 512L << 20;

    /// <summary>Token slots per KV block; also the prefix cache's granularity.</summary>
    public int BlockSize { get; init; } = 16;

    /// <summary>Most tokens (decode tokens plus prefill chunks) one step runs; bounds step latency and activations.</summary>
    public int MaxTokensPerStep { get; init; } = 512;

    /// <summary>Most sequences running at once.</summary>
    public int MaxRunning { get; init; } = 64;

    public void Validate()
    {
        if (KvCacheBytes <= 0) throw new ArgumentException($"KvCacheBytes must be > 0 (got {KvCacheBytes}).");
        if (BlockSize < 1) throw new ArgumentException($"BlockSize must be ≥ 1 (got {BlockSize}).");
        if (MaxTokensPerStep < 1) throw new ArgumentException($"MaxTokensPerStep must be ≥ 1 (got {MaxTokensPerStep}).");
        if (MaxRunning < 1) throw new ArgumentException($"MaxRunning must be ≥ 1 (got {MaxRunning}).");
    }
}
