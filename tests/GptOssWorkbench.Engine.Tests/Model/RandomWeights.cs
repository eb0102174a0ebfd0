namespace GptOssWorkbench.Engine.Tests.Model;

using GptOssWorkbench.Engine.Model;
using GptOssWorkbench.Engine.Weights;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// Builds a small random gpt-oss model in memory, stored the way a checkpoint stores it (bf16 dense weights,
/// MXFP4 packed experts from random codes and scales, or the same experts dense in bf16).
/// </summary>
public static class RandomWeights
{
    /// <summary>A small config with I ≠ H, nq·d ≠ H, grouped heads, a tiny window and a low SwiGLU limit so clamps bite.</summary>
    public static ModelConfig SmallConfig(int layers = 3) => new()
    {
        NumLayers = layers,
        NumExperts = 5,
        ExpertsPerToken = 2,
        HiddenSize = 64,
        IntermediateSize = 96,
        HeadDim = 16,
        NumAttentionHeads = 6,
        NumKeyValueHeads = 2,
        VocabSize = 300,
        SlidingWindow = 4,
        SlidingLayers = Enumerable.Range(0, layers).Select(l => l % 2 == 0).ToArray(),
        RopeTheta = 150000,
        RopeScalingFactor = 32,
        RopeBetaFast = 32,
        RopeBetaSlow = 1,
        InitialContextLength = 4096,
        MaxPositionEmbeddings = 131072,
        SwigluLimit = 1.0,
        EosTokenIds = [299],
    };

    public static ModelWeights Build(ModelConfig config, int seed, bool packedExperts = true)
    {
        var random = new Random(seed);
        int h = config.HiddenSize, i = config.IntermediateSize, e = config.NumExperts, v = config.VocabSize;
        int q = config.QueryWidth, kv = config.KeyValueWidth;
        double projection = 1 / Math.Sqrt(h);

        var layers = new List<LayerWeights>();
        for (int l = 0; l < config.NumLayers; l++)
        {
            layers.Add(new LayerWeights
            {
                AttentionNorm = Bf16(random, [h], 0.2, 1.0),
                QueryWeight = Bf16(random, [q, h], projection),
                QueryBias = Bf16(random, [q], 0.1),
                KeyWeight = Bf16(random, [kv, h], projection),
                KeyBias = Bf16(random, [kv], 0.1),
                ValueWeight = Bf16(random, [kv, h], projection),
                ValueBias = Bf16(random, [kv], 0.1),
                OutputWeight = Bf16(random, [h, q], 1 / Math.Sqrt(q)),
                OutputBias = Bf16(random, [h], 0.1),
                Sinks = Bf16(random, [config.NumAttentionHeads], 1.0),
                MlpNorm = Bf16(random, [h], 0.2, 1.0),
                RouterWeight = Bf16(random, [e, h], 2 * projection),
                RouterBias = Bf16(random, [e], 0.3),
                Experts = Experts(random, e, 2 * i, h, i, packedExperts),
            });
        }
        return new ModelWeights(config, Bf16(random, [v, h], 1.0), Bf16(random, [h], 0.2, 1.0), Bf16(random, [v, h], 2 * projection), layers);
    }

    private static ExpertWeights Experts(Random random, int experts, int gateUpRows, int hidden, int intermediate, bool packed)
    {
        var (gateUpBlocks, gateUpScales) = RandomMxfp4(random, experts, gateUpRows, hidden);
        var (downBlocks, downScales) = RandomMxfp4(random, experts, hidden, intermediate);
        var gateUpBias = Bf16(random, [experts, gateUpRows], 0.3);
        var downBias = Bf16(random, [experts, hidden], 0.3);
        if (packed)
        {
            return new ExpertWeights
            {
                GateUpPacked = new Mxfp4Tensor(
                    tensor(gateUpBlocks, [experts, gateUpRows, hidden / 32, 16], uint8),
                    tensor(gateUpScales, [experts, gateUpRows, hidden / 32], uint8)),
                DownPacked = new Mxfp4Tensor(
                    tensor(downBlocks, [experts, hidden, intermediate / 32, 16], uint8),
                    tensor(downScales, [experts, hidden, intermediate / 32], uint8)),
                GateUpBias = gateUpBias,
                DownBias = downBias,
            };
        }
        // Every MXFP4 value is exact in bf16, so the dense form holds identical weights.
        return new ExpertWeights
        {
            GateUpDense = Dense(Mxfp4Codes.Dequantize(gateUpBlocks, gateUpScales, experts, gateUpRows, hidden)),
            DownDense = Dense(Mxfp4Codes.Dequantize(downBlocks, downScales, experts, hidden, intermediate)),
            GateUpBias = gateUpBias,
            DownBias = downBias,
        };
    }

    private static (byte[] Blocks, byte[] Scales) RandomMxfp4(Random random, int experts, int rows, int columns)
    {
        var blocks = new byte[experts * rows * columns / 2];
        random.NextBytes(blocks);
        // Block multipliers 2^-6 .. 2^-3: realistic magnitudes for weights whose codes reach ±6.
        var scales = Enumerable.Range(0, experts * rows * columns / 32).Select(_ => (byte)random.Next(121, 125)).ToArray();
        return (blocks, scales);
    }

    private static Tensor Dense(double[][][] values)
    {
        var flat = values.SelectMany(m => m.SelectMany(r => r)).Select(x => (float)x).ToArray();
        return tensor(flat, [values.Length, values[0].Length, values[0][0].Length]).to(bfloat16);
    }

    private static Tensor Bf16(Random random, long[] shape, double scale, double offset = 0)
    {
        long count = shape.Aggregate(1L, (a, b) => a * b);
        var values = new float[count];
        for (long n = 0; n < count; n++) values[n] = (float)(offset + scale * Gaussian(random));
        using var fp32 = tensor(values, shape);
        return fp32.to(bfloat16);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
