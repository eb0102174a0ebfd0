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

    public static long CountParameters(CheckpointInfo info) => info.ParameterCount();

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
