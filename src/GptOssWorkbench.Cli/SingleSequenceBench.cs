namespace GptOssWorkbench.Cli;

using System.Diagnostics;
using GptOssWorkbench.Engine.Kernels;
using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Sampling;
using GptOssWorkbench.Engine.Weights;
using static TorchSharp.torch;

/// <summary>
/// `gptoss bench --single`: prefill speed of one prompt, decode speed at batch 1, time per layer, and how far decode
/// is from the memory-bandwidth limit (decode reads every active weight once per token) measured in the same run.
/// </summary>
internal static class SingleSequenceBench
{
    public static SingleResult Run(GptOssModel model, ModelWeights weights, int promptLength, int decodeTokens, int seed, long probeBytes)
    {
        var prompt = BenchCommand.BenchPrompt(seed, 0, promptLength, 0, model.Config.VocabSize);
        using (var warm = model.CreateCache(16))
        using (model.Forward(prompt.Take(8).ToArray(), warm)) { }

        using var cache = model.CreateCache(promptLength + decodeTokens + 1);
        var clock = Stopwatch.StartNew();
        Tensor logits = model.Prefill(prompt, cache);
        double prefillSeconds = clock.Elapsed.TotalSeconds;

        var layerSeconds = new double[model.Config.NumLayers];
        model.LayerTimed = (layer, time) => layerSeconds[layer] += time.TotalSeconds;
        clock.Restart();
        for (int i = 0; i < decodeTokens; i++)
        {
            int next = TokenSampler.ArgMax(logits.data<float>().ToArray().Select(x => (double)x).ToArray());
            logits.Dispose();
            logits = model.Forward([next], cache);
        }
        double decodeSeconds = clock.Elapsed.TotalSeconds;
        logits.Dispose();
        model.LayerTimed = null;

        int threads = Math.Max(1, Environment.ProcessorCount);
        double bandwidth = MemoryBandwidth.MeasureReadGBps(threads, probeBytes);
        var (layerBytes, headBytes) = ActiveBytesPerToken(model, weights);
        double bytesPerToken = layerBytes * model.Config.NumLayers + headBytes;
        double limit = bandwidth * 1e9 / bytesPerToken;
        double decodeRate = decodeTokens / decodeSeconds;
        double layerMs = layerSeconds.Average() / decodeTokens * 1000;
        double layerLimitMs = layerBytes / (bandwidth * 1e9) * 1000;
        return new SingleResult
        {
            PromptTokens = promptLength,
            PrefillTokensPerSecond = Math.Round(promptLength / prefillSeconds, 3),
            DecodeTokens = decodeTokens,
            DecodeTokensPerSecond = Math.Round(decodeRate, 3),
            DecodeLayerMs = layerSeconds.Select(s => Math.Round(s / decodeTokens * 1000, 4)).ToArray(),
            DecodeLayerMsAverage = Math.Round(layerMs, 4),
            LayerLimitMs = Math.Round(layerLimitMs, 4),
            LayerRatioToLimit = Math.Round(layerMs / layerLimitMs, 3),
            BandwidthGbPerSecond = Math.Round(bandwidth, 2),
            BandwidthThreads = threads,
            ActiveBytesPerLayer = layerBytes,
            ActiveBytesPerToken = bytesPerToken,
            LimitTokensPerSecond = Math.Round(limit, 3),
            RatioToLimit = Math.Round(limit / decodeRate, 3),
        };
    }

    /// <summary>
    /// Bytes decode must read per token: per layer the attention projections (compute dtype), the router (fp32) and
    /// the top-k experts (packed MXFP4 blocks + scales, or dense in their stored dtype); plus the unembedding.
    /// </summary>
    private static (double Layer, double Head) ActiveBytesPerToken(GptOssModel model, ModelWeights weights)
    {
        var c = model.Config;
        double computeSize = model.ComputeType == ScalarType.Float32 ? 4 : 2;
        var layer = weights.Layers[0];
        double attention = new[] { layer.QueryWeight, layer.KeyWeight, layer.ValueWeight, layer.OutputWeight, layer.QueryBias, layer.KeyBias, layer.ValueBias, layer.OutputBias }
            .Sum(t => t.numel()) * computeSize;
        double router = layer.RouterWeight.numel() * 4.0;
        var experts = layer.Experts;
        double perExpert = experts.GateUpPacked is { } gateUp && experts.DownPacked is { } down
            ? (gateUp.Blocks.numel() + gateUp.Scales.numel() + down.Blocks.numel() + down.Scales.numel()) / (double)c.NumExperts
            : (experts.GateUpDense!.numel() + experts.DownDense!.numel()) * (double)experts.GateUpDense.element_size() / c.NumExperts;
        double head = weights.Unembedding.numel() * computeSize;
        return (attention + router + perExpert * c.ExpertsPerToken, head);
    }
}

internal sealed record SingleResult
{
    public int PromptTokens { get; init; }
    public double PrefillTokensPerSecond { get; init; }
    public int DecodeTokens { get; init; }
    public double DecodeTokensPerSecond { get; init; }
    public double[] DecodeLayerMs { get; init; } = [];
    public double DecodeLayerMsAverage { get; init; }
    public double LayerLimitMs { get; init; }
    public double LayerRatioToLimit { get; init; }
    public double BandwidthGbPerSecond { get; init; }
    public int BandwidthThreads { get; init; }
    public double ActiveBytesPerLayer { get; init; }
    public double ActiveBytesPerToken { get; init; }
    public double LimitTokensPerSecond { get; init; }
    public double RatioToLimit { get; init; }

    public string Describe() =>
        $"prefill {PromptTokens} tokens: {PrefillTokensPerSecond:F1} tok/s; decode batch 1: {DecodeTokensPerSecond:F2} tok/s, {DecodeLayerMsAverage:F2} ms/layer (limit {LayerLimitMs:F2} ms, {LayerRatioToLimit:F2}x); "
        + $"bandwidth {BandwidthGbPerSecond:F1} GB/s, {ActiveBytesPerToken / 1e6:F1} MB/token, limit {LimitTokensPerSecond:F2} tok/s, {RatioToLimit:F2}x the limit";
}
