namespace GptOssWorkbench.Web.Models;

using GptOssWorkbench.Engine.Weights;
using GptOssWorkbench.Engine.Weights.Checkpoints;

/// <summary>What the Models page shows about a checkpoint folder (what `gptoss inspect` prints), or why it is not loadable.</summary>
public sealed record CheckpointFacts(string Layout, long Parameters, IReadOnlyDictionary<string, long> BytesByDType, long WeightBytes,
    long KvBytesPerToken, long SlidingKvBytesPerSequence, string Fingerprint, int Layers, int Experts, int ExpertsPerToken)
{
    /// <summary>Reads and validates the checkpoint (headers only, no tensor data is loaded). Throws <see cref="CheckpointException"/>.</summary>
    public static CheckpointFacts Inspect(string folder)
    {
        var info = CheckpointLoader.Inspect(folder);
        var c = info.Config;
        return new CheckpointFacts(info.Layout.Name(), CountParameters(info), info.BytesByDType, info.WeightBytes,
            info.KvBytesPerToken(), info.SlidingKvBytesPerSequence(), info.Fingerprint, c.NumLayers, c.NumExperts, c.ExpertsPerToken);
    }

    /// <summary>
    /// Parameters from the config (weights and biases; attention sinks are one per head). Counted rather than
    /// read from byte sizes because MXFP4 packs two weights per byte plus a scale per 32.
    /// </summary>
    public static long CountParameters(CheckpointInfo info)
    {
        var c = info.Config;
        long h = c.HiddenSize, q = c.QueryWidth, kv = c.KeyValueWidth, i = c.IntermediateSize, e = c.NumExperts;
        var attention = h * (q + 2 * kv) + (q + 2 * kv) + q * h + h + c.NumAttentionHeads;
        var router = h * e + e;
        var experts = e * (h * 2 * i + 2 * i + i * h + h);
        var norms = 2 * h;
        return c.NumLayers * (attention + router + experts + norms) + 2 * (long)c.VocabSize * h + h;
    }

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.00} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.0} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.0} KiB",
        _ => $"{bytes} B",
    };

    public static string Count(long n) => n switch
    {
        >= 1_000_000_000 => $"{n / 1e9:0.00} B",
        >= 1_000_000 => $"{n / 1e6:0.0} M",
        >= 1_000 => $"{n / 1e3:0.0} K",
        _ => n.ToString(),
    };
}
